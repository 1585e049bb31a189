#!/usr/bin/env node
// Runs the TypeScript CLI straight from source (tsx), so `npx buzzfinder` never serves a stale build.
require('tsx/cjs');
const { main } = require('../cli/main.ts');
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`buzzfinder: ${err && err.stack ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  },
);
