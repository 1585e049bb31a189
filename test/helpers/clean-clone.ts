/**
 * A fresh-clone layout of this repo for tests that run documented commands as a new user would:
 * T/buzzfinder (a `git clone` of HEAD plus the working tree's uncommitted and untracked, not ignored, files),
 * T/shared -> the real ../shared (so `../shared/reference/...` resolves as beside a checkout), and
 * T/buzzfinder/node_modules -> this checkout's node_modules (instead of a minutes-long `npm ci`).
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REFERENCE_DIR } from './reference';

export const REPO = path.resolve(__dirname, '../..');

export interface CleanClone {
  /** The clone's repo folder (T/buzzfinder). */
  dir: string;
  /** T: remove it when done. */
  root: string;
  /** `git status --porcelain --untracked-files=all` in the clone (ignored files are not listed). */
  status(): string;
}

export function cleanClone(): CleanClone {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-clone-'));
  const dir = path.join(root, 'buzzfinder');
  execFileSync('git', ['clone', '--quiet', REPO, dir]);
  const git = (args: string[]) => execFileSync('git', args, { cwd: REPO, encoding: 'utf8' });
  // What a developer has not committed yet is what they want tested (CI clones main, where it is committed).
  const changed = [...git(['diff', '--name-only', 'HEAD']).split('\n'), ...git(['ls-files', '--others', '--exclude-standard']).split('\n')].filter(Boolean);
  for (const file of changed) {
    const from = path.join(REPO, file);
    const to = path.join(dir, file);
    if (fs.existsSync(from)) {
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.copyFileSync(from, to);
    } else fs.rmSync(to, { force: true });
  }
  fs.symlinkSync(path.dirname(REFERENCE_DIR), path.join(root, 'shared'));
  fs.symlinkSync(fs.realpathSync(path.join(REPO, 'node_modules')), path.join(dir, 'node_modules'));
  return {
    dir,
    root,
    status: () => execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: dir, encoding: 'utf8' }),
  };
}

export interface ShellBlock {
  /** The `## ` heading the block sits under. */
  section: string;
  /** Its non-empty lines, as written. */
  commands: string[];
}

/** The ```sh blocks of a Markdown text, in order, with their section. */
export function shellBlocks(markdown: string): ShellBlock[] {
  const blocks: ShellBlock[] = [];
  let section = '';
  let current: string[] | null = null;
  for (const line of markdown.split('\n')) {
    if (current) {
      if (line.startsWith('```')) {
        blocks.push({ section, commands: current.filter((l) => l.trim() !== '') });
        current = null;
      } else current.push(line);
    } else if (line.startsWith('## ')) section = line.slice(3).trim();
    else if (/^```(sh|bash|shell)\s*$/.test(line)) current = [];
  }
  return blocks;
}

export interface ShellResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one command line with bash in `cwd`, as typed at a prompt. */
export function runShell(command: string, options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<ShellResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', command], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out after ${options.timeoutMs} ms: ${command}\n--- stderr ---\n${stderr.slice(-4000)}`));
    }, options.timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
