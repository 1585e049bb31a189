/** Reference data lives outside the repo, in ../shared/reference beside the checkout (also on CI). */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const REFERENCE_DIR = path.resolve(__dirname, '../../../shared/reference');

export function referencePath(...parts: string[]): string {
  const p = path.join(REFERENCE_DIR, ...parts);
  if (!fs.existsSync(p)) throw new Error(`reference file missing: ${p} (expected ../shared/reference beside the repo)`);
  return p;
}

export function readReferenceJson<T = unknown>(...parts: string[]): T {
  return JSON.parse(fs.readFileSync(referencePath(...parts), 'utf8')) as T;
}

export function readReferenceBytes(...parts: string[]): Uint8Array {
  return new Uint8Array(fs.readFileSync(referencePath(...parts)));
}
