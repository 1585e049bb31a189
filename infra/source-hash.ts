/**
 * The deployable function package and its content hash.
 * The hash goes into the source object's *name*: a gen2 function only rebuilds when its buildConfig changes,
 * so a new name for new code is what makes every code change redeploy (and an unchanged build not redeploy).
 * No Pulumi here: plain fs + crypto, testable on temporary folders.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** What goes into the zip, relative to the repo root (see the team brief: dist/ + package files + bundled model). */
export const SOURCE_PACKAGE_ENTRIES = ['dist', 'package.json', 'package-lock.json', 'models'] as const;

/** package.json's `main`: must exist in a built package. */
export const FUNCTIONS_MAIN = 'dist/functions/index.js';

const HASH_FORMAT = 'buzzfinder-source-hash/1';

/** The package is not built or is incomplete; the message says what to run. */
export class SourcePackageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SourcePackageError';
  }
}

/** Throws `SourcePackageError` unless every package entry (and the functions' main file) exists under `root`. */
export function assertPackageBuilt(root: string, entries: readonly string[] = SOURCE_PACKAGE_ENTRIES): void {
  const dist = path.join(root, 'dist');
  if (entries.includes('dist') && !fs.existsSync(dist)) {
    throw new SourcePackageError(`${dist} does not exist: run \`npm run build\` first (\`npm run deploy\` builds and then runs pulumi up)`);
  }
  if (entries.includes('dist') && !fs.existsSync(path.join(root, FUNCTIONS_MAIN))) {
    throw new SourcePackageError(`${path.join(root, FUNCTIONS_MAIN)} is missing: the build is stale or failed; run \`npm run build\``);
  }
  for (const entry of entries) {
    if (!fs.existsSync(path.join(root, entry))) throw new SourcePackageError(`${path.join(root, entry)} is missing from the function package`);
  }
}

/** Every regular file under the entries, as sorted '/'-separated paths relative to `root`. Symlinks are refused. */
export function listPackageFiles(root: string, entries: readonly string[] = SOURCE_PACKAGE_ENTRIES): string[] {
  const files: string[] = [];
  const visit = (relative: string): void => {
    const absolute = path.join(root, relative);
    const stat = fs.lstatSync(absolute);
    if (stat.isSymbolicLink()) throw new SourcePackageError(`${absolute} is a symbolic link; the function package holds regular files only`);
    if (stat.isDirectory()) {
      for (const child of fs.readdirSync(absolute)) visit(path.join(relative, child));
    } else if (stat.isFile()) {
      files.push(relative.split(path.sep).join('/'));
    }
  };
  for (const entry of entries) visit(entry);
  // Plain code-unit order, independent of locale and of the order readdir happens to return.
  return files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * SHA-256 (hex) over the package: for each file in sorted path order, its path, its byte length, then its bytes.
 * Depends on nothing but paths and contents (not mtimes, not permissions, not the folder's absolute location).
 */
export function hashPackage(root: string, entries: readonly string[] = SOURCE_PACKAGE_ENTRIES): string {
  const hash = createHash('sha256');
  hash.update(`${HASH_FORMAT}\n`);
  for (const file of listPackageFiles(root, entries)) {
    const bytes = fs.readFileSync(path.join(root, file));
    hash.update(`${file}\0${bytes.length}\0`);
    hash.update(bytes);
  }
  return hash.digest('hex');
}

/** Object name of the zipped source in the source bucket; carries (a prefix of) the content hash. */
export function sourceObjectName(hash: string): string {
  if (!/^[0-9a-f]{16,64}$/.test(hash)) throw new TypeError(`sourceObjectName: expected a hex content hash, got '${hash}'`);
  return `functions/buzzfinder-${hash.slice(0, 32)}.zip`;
}
