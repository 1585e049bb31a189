/**
 * The build stamp: which TypeScript sources dist/ was compiled from, so that bin/buzzfinder.js never serves a
 * stale build. `npm run build` (scripts/build.js) snapshots the sources *before* compiling and writes the stamp
 * after; a run compares the sources with it: the same file count and no mtime newer than the snapshot is fresh
 * (a few ms of stat calls); otherwise the sources' content hash decides (a checkout that only touched mtimes
 * stays fresh).
 * Plain JavaScript: it runs before anything is compiled.
 */
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const STAMP_FORMAT = 'buzzfinder-build-stamp';
const STAMP_VERSION = 1;
/** What tsconfig.build.json compiles, plus the configs that change its output. */
const SOURCE_DIRS = ['shared', 'adapters', 'functions', 'cli'];
const SOURCE_FILES = ['tsconfig.json', 'tsconfig.build.json'];
const STAMP_PATH = path.join('dist', 'build-stamp.json');
const ENTRY_PATH = path.join('dist', 'cli', 'main.js');

/** Source files (relative, '/'-separated, sorted) with their mtimes. */
function listSources(root) {
  const files = [];
  const visit = (rel) => {
    let entries;
    try {
      entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const child = rel + '/' + e.name;
      if (e.isDirectory()) visit(child);
      else if (e.isFile() && e.name.endsWith('.ts')) files.push(child);
    }
  };
  for (const dir of SOURCE_DIRS) visit(dir);
  for (const f of SOURCE_FILES) if (fs.existsSync(path.join(root, f))) files.push(f);
  files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let newestMtimeMs = 0;
  for (const f of files) newestMtimeMs = Math.max(newestMtimeMs, fs.statSync(path.join(root, f)).mtimeMs);
  return { files, newestMtimeMs };
}

function hashSources(root, files) {
  const hash = crypto.createHash('sha256');
  for (const f of files) {
    const bytes = fs.readFileSync(path.join(root, f));
    hash.update(`${f}\0${bytes.length}\0`);
    hash.update(bytes);
  }
  return hash.digest('hex');
}

/** The sources' state now (taken before compiling). */
function snapshotSources(root) {
  const { files, newestMtimeMs } = listSources(root);
  return { format: STAMP_FORMAT, version: STAMP_VERSION, files: files.length, newestMtimeMs, hash: hashSources(root, files) };
}

function writeStamp(root, snapshot) {
  fs.writeFileSync(path.join(root, STAMP_PATH), JSON.stringify(snapshot, null, 2) + '\n');
}

/**
 * Whether dist/ holds a build of the current sources: `{ fresh: true }` or `{ fresh: false, reason }`.
 */
function checkBuild(root) {
  if (!fs.existsSync(path.join(root, ENTRY_PATH))) return { fresh: false, reason: `${ENTRY_PATH} does not exist (not built)` };
  let stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(path.join(root, STAMP_PATH), 'utf8'));
  } catch {
    return { fresh: false, reason: `${STAMP_PATH} is missing or unreadable` };
  }
  if (stamp.format !== STAMP_FORMAT || stamp.version !== STAMP_VERSION) return { fresh: false, reason: `${STAMP_PATH} has an unknown format` };
  const { files, newestMtimeMs } = listSources(root);
  if (files.length === stamp.files && newestMtimeMs <= stamp.newestMtimeMs) return { fresh: true };
  if (files.length === stamp.files && hashSources(root, files) === stamp.hash) return { fresh: true };
  return { fresh: false, reason: files.length !== stamp.files ? 'source files were added or removed since the build' : 'sources changed since the build' };
}

module.exports = { checkBuild, snapshotSources, writeStamp, STAMP_PATH, ENTRY_PATH, SOURCE_DIRS };
