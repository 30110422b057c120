// Writes what it was launched with (args, cwd, env) to launch-report.json, for the launch.json test.
const fs = require('fs');
const path = require('path');
fs.writeFileSync(
  path.join(__dirname, 'launch-report.json'),
  JSON.stringify({ args: process.argv.slice(2), cwd: process.cwd(), greeting: process.env.CT_GREETING, fromEnvFile: process.env.CT_FROM_ENVFILE }),
);
