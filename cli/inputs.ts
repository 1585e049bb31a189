/**
 * Checking the files and folders a command is given, with the same codes in every command (cli/errors.ts):
 * `file_not_found`, `unreadable`, `model_not_found`, `dataset_not_found`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BuzzfinderError } from '../shared/errors';
import { CliError } from './errors';

/** The file's stats; throws file_not_found / unreadable (also for a folder where a file belongs). */
export function checkInputFile(file: string): fs.Stats {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new CliError('file_not_found', `${file}: no such file`);
    throw new CliError('unreadable', `${file}: ${(err as Error).message}`);
  }
  if (!stat.isFile()) throw new CliError('unreadable', `${file}: not a regular file`);
  return stat;
}

/** The whole file; throws file_not_found / unreadable. */
export function readInputFile(file: string): Uint8Array {
  checkInputFile(file);
  try {
    return new Uint8Array(fs.readFileSync(file));
  } catch (err) {
    throw new CliError('unreadable', `${file}: ${(err as Error).message}`);
  }
}

/** A core error about `file` (decoder codes: not_wav, truncated, ...) with the file named, same code; others as they are. */
export function naming(file: string, err: unknown): unknown {
  return err instanceof BuzzfinderError ? new BuzzfinderError(err.code, `${file}: ${err.message}`) : err;
}

/** A file or folder that must exist (either kind); throws file_not_found. */
export function checkInputPath(input: string): void {
  if (!fs.existsSync(input)) throw new CliError('file_not_found', `${input}: no such file or folder`);
}

/** A model folder (it holds metadata.json); throws model_not_found. */
export function checkModelDir(dir: string): void {
  if (!fs.existsSync(path.join(dir, 'metadata.json'))) {
    throw new CliError('model_not_found', fs.existsSync(dir) ? `${dir}: not a model folder (no metadata.json)` : `model folder not found: ${dir}`);
  }
}

/** A dataset folder; throws dataset_not_found. */
export function checkDatasetDir(dir: string): void {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new CliError('dataset_not_found', `no such folder: ${dir}`);
}
