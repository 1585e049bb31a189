/** Runs the real CLI (bin/buzzfinder.js, what `npx buzzfinder` runs) in a child process. */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '../..');

export function runCli(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(REPO, 'bin', 'buzzfinder.js'), ...args], { cwd: REPO, encoding: 'utf8', timeout: 120000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
