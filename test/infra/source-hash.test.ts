/**
 * The function source's content hash: the object name must change exactly when packaged code changes.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { assertPackageBuilt, hashPackage, listPackageFiles, SourcePackageError, sourceObjectName } from '../../infra/source-hash';
import { functionSourceFromRepo } from '../../infra/source-package';

const roots: string[] = [];

/** A minimal built repository: dist/, package files, a bundled model, plus files that are not packaged. */
function makeRepo(overrides: Record<string, string | null> = {}): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-infra-'));
  roots.push(root);
  const files: Record<string, string | null> = {
    'dist/functions/index.js': 'exports.classify = () => 1;\n',
    'dist/shared/constants.js': 'exports.SAMPLE_RATE = 22050;\n',
    'package.json': '{"name":"buzzfinder","main":"dist/functions/index.js"}\n',
    'package-lock.json': '{"lockfileVersion":3}\n',
    'models/default/model.json': '{"format":"x"}\n',
    'models/default/weights.bin': '\u0000\u0001\u0002',
    'shared/constants.ts': 'export const SAMPLE_RATE = 22050;\n',
    'README.md': '# buzzfinder\n',
    ...overrides,
  };
  for (const [file, content] of Object.entries(files)) {
    if (content === null) continue;
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), content);
  }
  return root;
}

afterAll(() => {
  for (const root of roots) fs.rmSync(root, { recursive: true, force: true });
});

describe('hashPackage', () => {
  test('same contents in different folders, written in a different order and at different times: same hash', () => {
    const a = makeRepo();
    const b = makeRepo();
    // Rewrite one file later with identical bytes and an old mtime: neither location nor time matters.
    fs.writeFileSync(path.join(b, 'dist/shared/constants.js'), 'exports.SAMPLE_RATE = 22050;\n');
    fs.utimesSync(path.join(b, 'dist/shared/constants.js'), new Date(0), new Date(0));
    expect(hashPackage(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashPackage(b)).toBe(hashPackage(a));
    expect(sourceObjectName(hashPackage(b))).toBe(sourceObjectName(hashPackage(a)));
  });

  test('a one-byte code change changes the hash and the object name', () => {
    const before = makeRepo();
    const after = makeRepo({ 'dist/functions/index.js': 'exports.classify = () => 2;\n' });
    expect(hashPackage(after)).not.toBe(hashPackage(before));
    expect(sourceObjectName(hashPackage(after))).not.toBe(sourceObjectName(hashPackage(before)));
  });

  test.each([
    ['package.json', { 'package.json': '{"name":"buzzfinder","version":"2"}\n' }],
    ['package-lock.json', { 'package-lock.json': '{"lockfileVersion":3,"x":1}\n' }],
    ['the bundled model', { 'models/default/weights.bin': '\u0000\u0001\u0003' }],
    ['an added file', { 'dist/functions/extra.js': '' }],
    ['a removed file', { 'dist/shared/constants.js': null }],
  ])('%s changes the hash', (_what, change) => {
    expect(hashPackage(makeRepo(change))).not.toBe(hashPackage(makeRepo()));
  });

  test('a renamed file changes the hash (paths are hashed, not only contents)', () => {
    const renamed = makeRepo({ 'dist/shared/constants.js': null, 'dist/shared/constant.js': 'exports.SAMPLE_RATE = 22050;\n' });
    expect(hashPackage(renamed)).not.toBe(hashPackage(makeRepo()));
  });

  test('moving bytes between adjacent files changes the hash (lengths are framed)', () => {
    const a = makeRepo({ 'dist/a.js': 'ab', 'dist/b.js': 'c' });
    const b = makeRepo({ 'dist/a.js': 'a', 'dist/b.js': 'bc' });
    expect(hashPackage(a)).not.toBe(hashPackage(b));
  });

  test('files outside the package (sources, docs) do not change the hash', () => {
    const other = makeRepo({ 'shared/constants.ts': 'export const SAMPLE_RATE = 44100;\n', 'README.md': 'changed', 'docs/deploy.md': 'new' });
    expect(hashPackage(other)).toBe(hashPackage(makeRepo()));
  });

  test('listPackageFiles: sorted, posix paths, only the package entries', () => {
    expect(listPackageFiles(makeRepo())).toEqual([
      'dist/functions/index.js',
      'dist/shared/constants.js',
      'models/default/model.json',
      'models/default/weights.bin',
      'package-lock.json',
      'package.json',
    ]);
  });

  test('symbolic links are refused', () => {
    const root = makeRepo();
    fs.symlinkSync(path.join(root, 'README.md'), path.join(root, 'dist/link.md'));
    expect(() => hashPackage(root)).toThrow(SourcePackageError);
  });
});

describe('missing build', () => {
  test('no dist/: tells to run npm run build', () => {
    const root = makeRepo({ 'dist/functions/index.js': null, 'dist/shared/constants.js': null });
    expect(() => assertPackageBuilt(root)).toThrow(SourcePackageError);
    expect(() => functionSourceFromRepo(root)).toThrow(/dist does not exist: run `npm run build` first/);
  });

  test('dist/ without the functions entry point is a stale build', () => {
    expect(() => functionSourceFromRepo(makeRepo({ 'dist/functions/index.js': null }))).toThrow(/dist\/functions\/index.js is missing.*npm run build/);
  });

  test('a missing package-lock.json is reported', () => {
    expect(() => functionSourceFromRepo(makeRepo({ 'package-lock.json': null }))).toThrow(/package-lock.json is missing/);
  });
});

describe('functionSourceFromRepo', () => {
  test('archive of the four package entries, named by the content hash', async () => {
    const root = makeRepo();
    const source = functionSourceFromRepo(root);
    expect(source.hash).toBe(hashPackage(root));
    expect(source.objectName).toBe(`functions/buzzfinder-${source.hash.slice(0, 32)}.zip`);
    expect(source.archive).toBeInstanceOf(pulumi.asset.AssetArchive);
    // The zip's top level is exactly what was hashed: dist/ and models/ as folders, the two package files.
    const assets = await (source.archive as pulumi.asset.AssetArchive).assets;
    expect(Object.keys(assets).sort()).toEqual(['dist', 'models', 'package-lock.json', 'package.json']);
    expect(assets.dist).toBeInstanceOf(pulumi.asset.FileArchive);
    expect(await (assets.dist as pulumi.asset.FileArchive).path).toBe(path.join(root, 'dist'));
    expect(assets['package.json']).toBeInstanceOf(pulumi.asset.FileAsset);
    expect(await (assets['package.json'] as pulumi.asset.FileAsset).path).toBe(path.join(root, 'package.json'));
  });

  test('sourceObjectName rejects anything but a hex hash', () => {
    expect(() => sourceObjectName('../../etc')).toThrow(TypeError);
    expect(() => sourceObjectName('abc')).toThrow(TypeError);
  });
});
