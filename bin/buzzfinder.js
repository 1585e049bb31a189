#!/usr/bin/env node
// `npx buzzfinder`: runs the compiled CLI (dist/, `npm run build`). When dist/ is missing or older than the
// TypeScript sources (bin/build-stamp.js), it runs the sources through tsx in this same process instead, with a
// warning: a stale build is never served. BUZZFINDER_FROM_SOURCE=1 runs the sources without the warning.
'use strict';
const path = require('node:path');
const { checkBuild } = require('./build-stamp');

const root = path.resolve(__dirname, '..');

function loadMain() {
  if (process.env.BUZZFINDER_FROM_SOURCE !== '1') {
    const build = checkBuild(root);
    if (build.fresh) return require('../dist/cli/main.js').main;
    process.stderr.write(`buzzfinder: warning: running from the TypeScript sources (slower start): ${build.reason}; run \`npm run build\`\n`);
  }
  require('tsx/cjs');
  return require('../cli/main.ts').main;
}

loadMain()(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`buzzfinder: ${err && err.stack ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  },
);
