/**
 * `buzzfinder personalize` end to end on tiny data (a few synthesised notes, a tiny untrained seed CNN as base,
 * a few steps), then the result through every path that takes a model: classify --model, report --model, the
 * local stack's classify function (BUZZFINDER_DEFAULT_MODEL_DIR), the registry, and a retrain job --from it.
 */
import * as functions from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import { loadConfig } from '../../adapters/config';
import { messagePublishedEvent } from '../../adapters/queue/types';
import { LocalFolderStore } from '../../adapters/storage/local';
import { createClassifyHandler } from '../../functions/classify';
import { createRetrainHandler, JobStatus, jobKeys } from '../../functions/retrain';
import { createRuntime } from '../../functions/runtime';
import { encodeWav16 } from '../../shared/audio/encode';
import { SAMPLE_RATE } from '../../shared/constants';
import { snapshotWeights } from '../../shared/model/architecture';
import { loadModelArtifact, loadModelMetadata } from '../../shared/model/artifact';
import { loadClassifier } from '../../shared/model/classifier';
import { assertModelMetadata } from '../../shared/model/metadata';
import { generateClips } from '../../shared/model/personalize-data';
import { ModelRegistry } from '../../shared/model/registry';
import { validateTakeReport } from '../../shared/report/schema';
import { MemoryStore } from '../../shared/storage/memory';
import { readJson } from '../../shared/storage/types';
import { synthesizeTake } from '../../shared/synth/take';
import { runCli } from '../dataset/cli';
import { runInProcess } from '../helpers/run-cli';
import { captureLogs, saveTinyDataset, saveTinyModel } from '../functions/helpers';

let tmp: string;
let baseDir: string;
let shotsDir: string;
let outDir: string;
let summary: Record<string, unknown>;
let logs: ReturnType<typeof captureLogs>;
const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const TINY = ['--replay-per-class', '2', '--shot-examples', '3', '--holdout-per-class', '1', '--steps', '3', '--budget-sec', '60'];


function writeShots(dir: string, perClass: number, seed: number): void {
  generateClips({ seed, perClass, purpose: 'replay' }).forEach((clip, i) => {
    const file = path.join(dir, clip.label, `note${i}.wav`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, encodeWav16(clip.samples, SAMPLE_RATE));
  });
}

beforeAll(async () => {
  logs = captureLogs();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-personalize-'));
  baseDir = path.join(tmp, 'base');
  await saveTinyModel(new LocalFolderStore(baseDir), '', { name: 'buzzfinder', version: 'base-1', seed: 5, normalization: 'per-clip-standardize' });
  shotsDir = path.join(tmp, 'shots');
  writeShots(shotsDir, 2, 21);
  outDir = path.join(tmp, 'mine');
  // Through the real executable, as `npx buzzfinder personalize` runs it.
  const r = runCli(['personalize', shotsDir, '--from', baseDir, '--out', outDir, '--seed', '4', ...TINY]);
  expect(r.stderr).not.toMatch(/error/);
  expect(r.status).toBe(0);
  summary = JSON.parse(r.stdout);
}, 90_000);
afterAll(() => {
  logs.restore();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('buzzfinder personalize', () => {
  it('writes a model folder whose metadata names its parent, its shots, the replay and the recipe', async () => {
    expect(summary).toMatchObject({ out: outDir, parentVersion: 'buzzfinder@base-1', shots: { buzzy: 2, clean: 2, muted: 2 }, replayClips: 6, stepsRun: 3, stoppedByBudget: false });
    for (const f of ['model.json', 'weights.bin', 'metadata.json']) expect(fs.existsSync(path.join(outDir, f))).toBe(true);
    const raw = JSON.parse(fs.readFileSync(path.join(outDir, 'metadata.json'), 'utf8'));
    const metadata = assertModelMetadata(raw);
    expect(metadata).toMatchObject({ origin: 'personalized', parentVersion: 'buzzfinder@base-1', version: summary.version, architecture: 'seed-cnn' });
    const base = await loadModelMetadata(new LocalFolderStore(baseDir), '');
    expect(metadata.featurePipeline).toEqual(base.featurePipeline);
    const p = metadata.personalization!;
    expect(p.seed).toBe(4);
    expect(p.replay).toMatchObject({ source: 'synth', clips: 6, perClass: 2 });
    expect(p.config).toMatchObject({ trainLayers: 'head', steps: 3, stepsRun: 3, replayPerClass: 2, shotExamplesPerClass: 3 });
    const expectedShots = ['buzzy', 'clean', 'muted'].flatMap((c) =>
      fs.readdirSync(path.join(shotsDir, c)).sort().map((f) => ({ file: `${c}/${f}`, class: c, sha256: sha256(path.join(shotsDir, c, f)) })),
    );
    expect(p.shots).toEqual(expectedShots);
    // No temporary folder is left next to the output.
    expect(fs.readdirSync(tmp).sort()).toEqual(['base', 'mine', 'shots']);
  });

  it('moves the weights (only the head, by default) away from the base model', async () => {
    const base = await loadModelArtifact(new LocalFolderStore(baseDir), '');
    const tuned = await loadModelArtifact(new LocalFolderStore(outDir), '');
    const [a, b] = [snapshotWeights(base.model), snapshotWeights(tuned.model)];
    const changed = a.map((w, i) => w.some((v, k) => v !== b[i][k]));
    const names = tuned.model.weights.map((w) => w.originalName);
    base.model.dispose();
    tuned.model.dispose();
    // The head is Dense -> Dropout -> Dense after the Flatten; convolutions and BatchNorm (incl. statistics) stay.
    expect(Object.fromEntries(names.map((n, i) => [n, changed[i]]))).toEqual(Object.fromEntries(names.map((n) => [n, n.startsWith('dense')])));
  });

  it('loads in classify --model and report --model', async () => {
    const clip = path.join(shotsDir, 'clean', fs.readdirSync(path.join(shotsDir, 'clean'))[0]);
    const classified = await runInProcess(['classify', clip, '--model', outDir, '--json']);
    const [result] = JSON.parse(classified.stdout);
    expect(['buzzy', 'clean', 'muted']).toContain(result.label);
    // A tiny model may be unsure of the clip: then it is no_note (label kept) and the exit status is 1.
    expect(classified.code).toBe(result.error ? 1 : 0);
    if (result.error) expect(result.error.code).toBe('no_note');
    const take = synthesizeTake({ seconds: 3, seed: 2, condition: 'mixed' });
    const takeFile = path.join(tmp, 'take.wav');
    fs.writeFileSync(takeFile, encodeWav16(take.samples, take.sampleRate));
    const reported = await runInProcess(['report', takeFile, '--model', outDir, '--json']);
    fs.rmSync(takeFile);
    expect(reported.code).toBe(0);
    const report = validateTakeReport(JSON.parse(reported.stdout));
    expect(report.model).toEqual({ name: 'buzzfinder', version: summary.version });
    expect(report.notes.length).toBeGreaterThan(0);
  }, 60_000);

  it('is served by the local stack as its default model (BUZZFINDER_DEFAULT_MODEL_DIR)', async () => {
    const rt = createRuntime(loadConfig({ BUZZFINDER_LOCAL_ROOT: path.join(tmp, 'stack'), BUZZFINDER_DEFAULT_MODEL_DIR: outDir }), {
      queue: { location: 'none://', publish: async () => 'm', close: async () => undefined, subscribe: () => async () => undefined },
    });
    functions.http('classifyPersonalized', createClassifyHandler(rt.classify));
    const clip = fs.readFileSync(path.join(shotsDir, 'muted', fs.readdirSync(path.join(shotsDir, 'muted'))[0]));
    const res = await request(getTestServer('classifyPersonalized')).post('/').set('Content-Type', 'audio/wav').send(clip);
    const health = await request(getTestServer('classifyPersonalized')).get('/');
    rt.modelCache.dispose();
    fs.rmSync(path.join(tmp, 'stack'), { recursive: true, force: true });
    // 200, or 422 no_note when the tiny model is unsure of the clip (docs/cloud.md "Not a note").
    if (res.status === 422) expect(res.body.error.code).toBe('no_note');
    else expect(res.status).toBe(200);
    expect(health.body.model).toEqual({ name: 'buzzfinder', version: summary.version });
  });

  it('can be registered and served from the registry, and a retrain job fine-tunes --from it', async () => {
    const root = path.join(tmp, 'cloud');
    const rt = createRuntime(loadConfig({ BUZZFINDER_LOCAL_ROOT: root, BUZZFINDER_TRAIN_BUDGET_SEC: '600' }), {
      queue: { location: 'none://', publish: async () => 'm', close: async () => undefined, subscribe: () => async () => undefined },
    });
    const tuned = await loadModelArtifact(new LocalFolderStore(outDir), '');
    const registry = new ModelRegistry(rt.models, 'buzzfinder');
    const registered = await registry.registerCandidate({ model: tuned.model, metadata: tuned.metadata });
    const stored = await registry.metadata(registered.version);
    expect(stored).toMatchObject({ origin: 'personalized', parentVersion: 'buzzfinder@base-1', personalization: tuned.metadata.personalization });
    expect(await rt.modelCache.identity()).toEqual({ name: 'buzzfinder', version: registered.version });
    rt.modelCache.dispose();

    await saveTinyDataset(rt.datasets, 'tiny');
    const data = new TextEncoder().encode(JSON.stringify({ dataset: 'tiny', from: registered.version, epochs: 1, jobId: 'from-personal' }));
    const outcome = await createRetrainHandler(rt.retrain)(messagePublishedEvent({ project: 'p', topic: 't', subscription: 's', messageId: 'x1', data }));
    expect(outcome).toBe('succeeded');
    const status = await readJson<JobStatus>(rt.models, jobKeys('buzzfinder', 'from-personal').status);
    expect(status.request.from).toBe(registered.version);
    const child = await registry.metadata(status.registered!.version!);
    expect(child).toMatchObject({ origin: 'trained', parentVersion: registered.version, featurePipeline: tuned.metadata.featurePipeline });
    tuned.model.dispose();
    fs.rmSync(root, { recursive: true, force: true });
  }, 60_000);

  it('is served as latest from a memory-store registry too', async () => {
    const store = new MemoryStore();
    const tuned = await loadModelArtifact(new LocalFolderStore(outDir), '');
    const registry = new ModelRegistry(store, 'buzzfinder');
    const { version } = await registry.registerCandidate({ model: tuned.model, metadata: tuned.metadata });
    tuned.model.dispose();
    const classifier = await loadClassifier(store, (await registry.latest())!.pointer.prefix);
    expect(classifier.identity.version).toBe(version);
    expect(classifier.metadata.personalization!.shots).toHaveLength(6);
    classifier.dispose();
  });
});

describe('buzzfinder personalize: bad input', () => {
  const attempt = async (shots: string, extra: string[] = []) => {
    const out = path.join(tmp, 'refused');
    const r = await runInProcess(['personalize', shots, '--from', baseDir, '--out', out, ...TINY, ...extra]);
    return { ...r, wrote: fs.existsSync(out) };
  };

  it('refuses a missing class, too few shots, unreadable WAVs and an occupied --out, writing nothing', async () => {
    const noMuted = path.join(tmp, 'no-muted');
    writeShots(noMuted, 2, 23);
    fs.rmSync(path.join(noMuted, 'muted'), { recursive: true });
    expect(await attempt(noMuted)).toMatchObject({ code: 1, stdout: '', wrote: false, stderr: expect.stringMatching(/error \[missing_class\]: no shots of muted/) });

    expect(await attempt(shotsDir, ['--min-shots', '3'])).toMatchObject({ code: 1, wrote: false, stderr: expect.stringMatching(/error \[too_few_shots\]: fewer than 3 shots of buzzy, clean, muted/) });

    const broken = path.join(tmp, 'broken');
    fs.cpSync(shotsDir, broken, { recursive: true });
    fs.writeFileSync(path.join(broken, 'clean', 'zz-broken.wav'), 'not a wav file at all');
    expect(await attempt(broken)).toMatchObject({ code: 1, wrote: false, stderr: expect.stringMatching(/error \[not_wav\]: .*zz-broken\.wav/) });

    const unnamed = path.join(tmp, 'unnamed');
    fs.mkdirSync(unnamed);
    fs.copyFileSync(path.join(broken, 'clean', fs.readdirSync(path.join(broken, 'clean'))[0]), path.join(unnamed, 'note1.wav'));
    expect(await attempt(unnamed)).toMatchObject({ code: 1, wrote: false, stderr: expect.stringMatching(/error \[bad_input\]: note1\.wav: its name must contain/) });

    const before = fs.readFileSync(path.join(outDir, 'weights.bin'));
    const occupied = await runInProcess(['personalize', shotsDir, '--from', baseDir, '--out', outDir, ...TINY]);
    expect(occupied).toMatchObject({ code: 1, stderr: expect.stringMatching(/error \[out_exists\]/) });
    expect(fs.readFileSync(path.join(outDir, 'weights.bin')).equals(before)).toBe(true);
    expect((await attempt(shotsDir, ['--train-layers', 'middle'])).code).toBe(2);
    for (const d of [noMuted, broken, unnamed]) fs.rmSync(d, { recursive: true });
  }, 60_000);
});
