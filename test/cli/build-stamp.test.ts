/**
 * bin/buzzfinder.js runs the compiled build only when its stamp matches the TypeScript sources; otherwise it
 * runs the sources (tsx, same process) with a warning. Checked on a small repository layout with a fake
 * dist/cli/main.js and cli/main.ts that say which one ran.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain JS module shared with bin/
const stamp = require('../../bin/build-stamp') as {
  snapshotSources(root: string): object;
  writeStamp(root: string, snapshot: object): void;
  checkBuild(root: string): { fresh: boolean; reason?: string };
};

const REPO = path.resolve(__dirname, '../..');
const roots: string[] = [];

const mainModule = (who: string) => `exports.main = async (argv) => { process.stdout.write('${who} ' + argv.join(' ') + '\\n'); return 0; };\n`;

/** A repository with sources, a build of them and its stamp (what `npm run build` leaves). */
function builtRepo(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-stamp-'));
  roots.push(root);
  const files: Record<string, string> = {
    'bin/buzzfinder.js': fs.readFileSync(path.join(REPO, 'bin', 'buzzfinder.js'), 'utf8'),
    'bin/build-stamp.js': fs.readFileSync(path.join(REPO, 'bin', 'build-stamp.js'), 'utf8'),
    'cli/main.ts': mainModule('source'),
    'shared/constants.ts': 'export const SAMPLE_RATE = 22050;\n',
    'tsconfig.json': '{}\n',
    'tsconfig.build.json': '{}\n',
    'dist/cli/main.js': mainModule('dist'),
  };
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), content);
  }
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'));
  stamp.writeStamp(root, stamp.snapshotSources(root));
  return root;
}

function runBin(root: string, env: Record<string, string | undefined> = {}): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'buzzfinder.js'), 'x'], {
    cwd: root,
    env: { ...process.env, BUZZFINDER_FROM_SOURCE: undefined, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/** Sets a file's mtime `seconds` into the future (edits within the same clock tick must count too). */
function touchLater(file: string, seconds: number): void {
  const t = new Date(Date.now() + seconds * 1000);
  fs.utimesSync(file, t, t);
}

afterAll(() => {
  for (const root of roots) fs.rmSync(root, { recursive: true, force: true });
});

describe('build stamp', () => {
  it('runs the compiled build when it is fresh, silently', () => {
    const root = builtRepo();
    expect(stamp.checkBuild(root)).toEqual({ fresh: true });
    expect(runBin(root)).toEqual({ stdout: 'dist x\n', stderr: '', status: 0 });
  });

  it('stays fresh when only mtimes changed (a checkout of the same content)', () => {
    const root = builtRepo();
    touchLater(path.join(root, 'shared', 'constants.ts'), 5);
    expect(stamp.checkBuild(root)).toEqual({ fresh: true });
  });

  it('runs the sources with a warning when a source changed, was added or removed, or the build is missing', () => {
    const edited = builtRepo();
    fs.appendFileSync(path.join(edited, 'shared', 'constants.ts'), 'export const X = 1;\n');
    touchLater(path.join(edited, 'shared', 'constants.ts'), 5);
    const r = runBin(edited);
    expect(r.stdout).toBe('source x\n');
    expect(r.stderr).toMatch(/warning: running from the TypeScript sources .*sources changed since the build.*npm run build/);
    expect(r.status).toBe(0);

    const added = builtRepo();
    fs.writeFileSync(path.join(added, 'shared', 'new.ts'), 'export {};\n');
    expect(stamp.checkBuild(added)).toEqual({ fresh: false, reason: 'source files were added or removed since the build' });
    const removed = builtRepo();
    fs.rmSync(path.join(removed, 'shared', 'constants.ts'));
    expect(stamp.checkBuild(removed).fresh).toBe(false);

    const unstamped = builtRepo();
    fs.rmSync(path.join(unstamped, 'dist', 'build-stamp.json'));
    expect(stamp.checkBuild(unstamped)).toEqual({ fresh: false, reason: 'dist/build-stamp.json is missing or unreadable' });
    const unbuilt = builtRepo();
    fs.rmSync(path.join(unbuilt, 'dist'), { recursive: true });
    expect(runBin(unbuilt).stdout).toBe('source x\n');
  });

  it('BUZZFINDER_FROM_SOURCE=1 runs the sources without a warning', () => {
    const root = builtRepo();
    expect(runBin(root, { BUZZFINDER_FROM_SOURCE: '1' })).toEqual({ stdout: 'source x\n', stderr: '', status: 0 });
  });
});
