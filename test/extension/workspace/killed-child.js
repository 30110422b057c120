// A child killed before Node starts it: it leaves no records, and the run's warning names it.
const child = require('child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
child.kill('SIGKILL');
