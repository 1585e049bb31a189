#!/usr/bin/env node
/**
 * `npm run build`: compiles shared/, adapters/, functions/, cli/ into dist/ (tsconfig.build.json) and writes the
 * build stamp (bin/build-stamp.js). The sources are snapshotted before tsc runs, so an edit made during the build
 * makes the stamp stale rather than hiding it. dist/ is emptied first: no output of a deleted source survives.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { snapshotSources, writeStamp } = require('../bin/build-stamp');

const root = path.resolve(__dirname, '..');
const snapshot = snapshotSources(root);
fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (tsc.status !== 0) {
  process.stderr.write(`build: tsc failed (exit ${tsc.status}); dist/ has no build stamp, so bin/buzzfinder.js runs the sources\n`);
  process.exit(tsc.status || 1);
}
writeStamp(root, snapshot);
process.stderr.write(`build: dist/ compiled from ${snapshot.files} source files\n`);
