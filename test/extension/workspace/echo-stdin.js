// Reads one line typed into the trace terminal and writes it to echoed.txt, then exits.
const fs = require('fs');
const path = require('path');
let got = '';
process.stdin.on('data', (d) => {
  got += d;
  if (got.includes('\n')) {
    fs.writeFileSync(path.join(__dirname, 'echoed.txt'), got);
    process.exit(0);
  }
});
console.log('type a line:');
