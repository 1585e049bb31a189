/**
 * retrain through the functions framework's test server with binary-mode Pub/Sub CloudEvents, on a real
 * LocalFolderStore models bucket and a tiny dataset: real (tiny) training, checkpoints, leases, continuations.
 */
import * as functions from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import { loadConfig } from '../../adapters/config';
import { messagePublishedEvent, MessagePublishedEvent } from '../../adapters/queue/types';
import { binaryModeRequest } from '../../functions/events';
import { createRetrainHandler, JobStatus, jobKeys, RetrainDeps, RetrainOutcome } from '../../functions/retrain';
import { createRuntime } from '../../functions/runtime';
import { loadCheckpoint } from '../../shared/model/checkpoint';
import { ModelRegistry } from '../../shared/model/registry';
import { readJson, writeJson } from '../../shared/storage/types';
import { captureLogs, saveTinyDataset } from './helpers';

let root: string;
let logs: ReturnType<typeof captureLogs>;
let published: { message: Record<string, unknown>; attributes: Record<string, string> }[] = [];
let outcomes: RetrainOutcome[] = [];
let deps: RetrainDeps;
let rt: ReturnType<typeof createRuntime>;
let counter = 0;

beforeAll(async () => {
  logs = captureLogs();
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'bf-retrain-'));
  const config = loadConfig({ BUZZFINDER_LOCAL_ROOT: root, BUZZFINDER_TRAIN_BUDGET_SEC: '600' });
  const queue = {
    location: 'capture://',
    publish: async (message: unknown, attributes: Record<string, string> = {}) => {
      published.push({ message: message as Record<string, unknown>, attributes });
      return `m${published.length}`;
    },
    close: async () => undefined,
    subscribe: () => async () => undefined,
  };
  rt = createRuntime(config, { queue });
  await saveTinyDataset(rt.datasets, 'tiny');
  deps = rt.retrain;
  const register = (name: string, d: RetrainDeps) =>
    functions.cloudEvent(name, async (event: MessagePublishedEvent) => {
      outcomes.push(await createRetrainHandler(d)(event));
    });
  register('retrainTest', deps);
  // One training batch per invocation: the budget is spent as soon as the first batch ends.
  register('retrainShortBudget', { ...deps, trainBudgetSec: 1e-6 });
  // Registers, then "crashes" before the job status records it.
  register('retrainCrashAfterRegister', {
    ...deps,
    register: async (input) => {
      await deps.register(input);
      throw new Error('instance died after registering');
    },
  });
}, 60_000);
afterAll(async () => {
  logs.restore();
  await fs.rm(root, { recursive: true, force: true });
});
beforeEach(() => {
  published = [];
  outcomes = [];
});

function event(message: unknown, id = `msg-${counter++}`): MessagePublishedEvent {
  const data = typeof message === 'string' ? message : JSON.stringify(message);
  return messagePublishedEvent({ project: 'p', topic: 'buzzfinder-retrain', subscription: 's', messageId: id, data: new TextEncoder().encode(data) });
}

async function deliver(name: string, e: MessagePublishedEvent) {
  const { headers, body } = binaryModeRequest(e);
  const req = request(getTestServer(name)).post('/');
  for (const [k, v] of Object.entries(headers)) req.set(k, v);
  return req.send(body);
}

const status = (jobId: string) => readJson<JobStatus>(deps.models, jobKeys('buzzfinder', jobId).status);

test('the event is what Eventarc sends for a Pub/Sub message', () => {
  const e = event({ dataset: 'tiny' }, 'abc');
  const { headers, body } = binaryModeRequest(e);
  expect(headers['ce-type']).toBe('google.cloud.pubsub.topic.v1.messagePublished');
  expect(headers['ce-source']).toBe('//pubsub.googleapis.com/projects/p/topics/buzzfinder-retrain');
  const parsed = JSON.parse(body);
  expect(parsed.subscription).toBe('projects/p/subscriptions/s');
  expect(parsed.message).toMatchObject({ messageId: 'abc' });
  expect(JSON.parse(Buffer.from(parsed.message.data, 'base64').toString())).toEqual({ dataset: 'tiny' });
});

test('a job interrupted every batch resumes from its checkpoints and ends exactly like an uninterrupted one', async () => {
  // Uninterrupted: one invocation.
  const res = await deliver('retrainTest', event({ dataset: 'tiny', epochs: 2, seed: 5, jobId: 'whole' }));
  expect(res.status).toBeLessThan(300);
  expect(outcomes).toEqual(['succeeded']);
  const whole = await status('whole');
  // The registry was empty: the bundled model became v0001 first, and the trained model (v0002) was gated against it.
  expect(whole).toMatchObject({ state: 'succeeded', epoch: 2, step: 1, registered: { version: 'v0002' } });
  expect(whole.registered!.reason).toMatch(/validation-accuracy: .*current v0001/);
  const bundled = await readJson<{ notes: { registeredAs: string } }>(rt.models, 'models/buzzfinder/v0001/metadata.json');
  const defaultMetadata = JSON.parse(await fs.readFile(path.join(rt.config.defaultModelDir, 'metadata.json'), 'utf8'));
  expect(bundled.notes.registeredAs).toContain(`the bundled model buzzfinder ${defaultMetadata.version}`);
  expect(published).toEqual([]);

  // Interrupted: each invocation trains one batch (= one epoch here), checkpoints and publishes a continuation.
  outcomes = [];
  await deliver('retrainShortBudget', event({ dataset: 'tiny', epochs: 2, seed: 5, jobId: 'pieces' }));
  expect(outcomes).toEqual(['continued']);
  expect(published).toEqual([{ message: { dataset: 'tiny', epochs: 2, seed: 5, jobId: 'pieces', step: 1 }, attributes: { jobId: 'pieces', step: '1' } }]);
  const mid = await status('pieces');
  expect(mid).toMatchObject({ state: 'running', step: 1, epoch: 1, continuationPublished: true });
  const ckpt = await loadCheckpoint(deps.models, jobKeys('buzzfinder', 'pieces').checkpoint);
  expect(ckpt!.epoch).toBe(1);
  // Follow the continuations until the job ends.
  for (let i = 0; i < 5 && outcomes[outcomes.length - 1] !== 'succeeded'; i++) {
    const next = published[published.length - 1].message;
    await deliver('retrainShortBudget', event(next));
  }
  const pieces = await status('pieces');
  expect(pieces).toMatchObject({ state: 'succeeded', epoch: 2, registered: { version: 'v0003' } });
  // Same seed, same data: the resumed job's learning curve is the uninterrupted one's.
  expect(pieces.metrics!.valLoss).toBeCloseTo(whole.metrics!.valLoss!, 5);
  expect(pieces.metrics!.bestValLoss).toBeCloseTo(whole.metrics!.bestValLoss!, 5);
  const latest = await readJson<{ version: string }>(deps.models, 'models/buzzfinder/latest.json');
  expect(['v0001', 'v0002', 'v0003']).toContain(latest.version);
}, 120_000);

test('stale, duplicate and finished-job messages never train twice', async () => {
  await deliver('retrainShortBudget', event({ dataset: 'tiny', epochs: 3, seed: 2, jobId: 'dup' }));
  expect(outcomes).toEqual(['continued']);
  const ckptGen = (await deps.models.stat(jobKeys('buzzfinder', 'dup').checkpoint))!.generation;
  // The first message again (redelivery): stale, acknowledged, checkpoint untouched.
  const res = await deliver('retrainShortBudget', event({ dataset: 'tiny', epochs: 3, seed: 2, jobId: 'dup' }));
  expect(res.status).toBeLessThan(300);
  expect(outcomes[1]).toBe('stale');
  expect((await deps.models.stat(jobKeys('buzzfinder', 'dup').checkpoint))!.generation).toBe(ckptGen);
  // The continuation delivered twice at once: exactly one invocation trains; the other is retried (500) or stale.
  const cont = published[0].message;
  const [a, b] = await Promise.all([deliver('retrainShortBudget', event(cont, 'c1')), deliver('retrainShortBudget', event(cont, 'c2'))]);
  expect([a.status, b.status].filter((s) => s < 300).length).toBeGreaterThanOrEqual(1);
  expect(outcomes.filter((o) => o === 'continued')).toHaveLength(2);
  expect(published.filter((p) => p.message.step === 2)).toHaveLength(1);
  expect((await status('dup')).step).toBe(2);
  // A message from the future is retried, not acknowledged.
  const ahead = await deliver('retrainShortBudget', event({ ...cont, step: 7 }));
  expect(ahead.status).toBe(500);
});

test('a live lease makes a delivery retry; an expired lease is taken over', async () => {
  const keys = jobKeys('buzzfinder', 'leased');
  await writeJson(deps.models, keys.lock, { format: 'buzzfinder-job-lease', owner: 'other', step: 0, expiresAt: new Date(Date.now() + 60_000).toISOString() }, { ifGenerationMatch: 0 });
  const busy = await deliver('retrainShortBudget', event({ dataset: 'tiny', epochs: 1, jobId: 'leased' }));
  expect(busy.status).toBe(500);
  expect(await deps.models.exists(keys.status)).toBe(false);
  await writeJson(deps.models, keys.lock, { format: 'buzzfinder-job-lease', owner: 'dead', step: 0, expiresAt: new Date(Date.now() - 1000).toISOString() });
  const ok = await deliver('retrainTest', event({ dataset: 'tiny', epochs: 1, jobId: 'leased' }));
  expect(ok.status).toBeLessThan(300);
  expect((await status('leased')).state).toBe('succeeded');
  expect(await deps.models.exists(keys.lock)).toBe(false);
});

test('a lease is renewed while its step works: a redelivery during a step longer than the lease waits, and the job registers once', async () => {
  const leaseSec = 0.3;
  const slow: RetrainDeps = {
    ...deps,
    leaseSec,
    // A step that outlives its lease several times over (a loaded machine).
    loadTrainingData: async (r) => {
      await new Promise((done) => setTimeout(done, 1500));
      return deps.loadTrainingData(r);
    },
  };
  functions.cloudEvent('retrainSlowShortLease', async (e: MessagePublishedEvent) => {
    outcomes.push(await createRetrainHandler(slow)(e));
  });
  const message = { dataset: 'tiny', epochs: 1, jobId: 'renewed' };
  const first = deliver('retrainSlowShortLease', event(message));
  await new Promise((done) => setTimeout(done, 4 * leaseSec * 1000)); // the first lease would have expired
  const again = await deliver('retrainSlowShortLease', event(message));
  expect(again.status).toBe(500); // job_busy: the platform redelivers later
  expect((await first).status).toBeLessThan(300);
  expect(outcomes).toEqual(['succeeded']);
  const done = await status('renewed');
  expect(done.state).toBe('succeeded');
  const registry = new ModelRegistry(deps.models, 'buzzfinder');
  const byThisJob: string[] = [];
  for (const version of await registry.list()) if ((await registry.metadata(version)).notes?.jobId === 'renewed') byThisJob.push(version);
  expect(byThisJob).toEqual([done.registered!.version]);
  expect(await deps.models.exists(jobKeys('buzzfinder', 'renewed').lock)).toBe(false);
}, 30_000);

test('malformed messages are acknowledged with a logged error; a bad dataset fails the job once', async () => {
  for (const bad of ['not json', JSON.stringify({ epochs: 2 }), JSON.stringify({ dataset: 'tiny', epochs: 0 }), JSON.stringify({ dataset: '../x' }), JSON.stringify({ dataset: 'tiny', jobId: 'a/b' }), JSON.stringify({ dataset: 'tiny', extra: 1 })]) {
    const res = await deliver('retrainTest', event(bad));
    expect(res.status).toBeLessThan(300);
  }
  expect(outcomes).toEqual(Array(6).fill('malformed'));
  expect(logs.lines().filter((l) => l.message === 'retrain: malformed message, acknowledged')).toHaveLength(6);
  const res = await deliver('retrainTest', event({ dataset: 'no-such-dataset', jobId: 'nodata' }));
  expect(res.status).toBeLessThan(300);
  const s = await status('nodata');
  expect(s.state).toBe('failed');
  expect(s.errors[0].code).toBe('dataset_not_found');
  await deliver('retrainTest', event({ dataset: 'no-such-dataset', jobId: 'nodata' }));
  expect(outcomes.slice(-2)).toEqual(['failed', 'finished-already']);
});

test('without a jobId, a redelivered message (same message id) is the same job', async () => {
  const e = event({ dataset: 'tiny', epochs: 1, seed: 9 }, 'same-id');
  await deliver('retrainShortBudget', e);
  await deliver('retrainShortBudget', e);
  expect(outcomes).toEqual(['succeeded', 'finished-already']);
  expect((await status('job-same-id')).state).toBe('succeeded');
});

test('a crash between registering and recording it: the redelivered message finds the version, registers nothing new', async () => {
  const e = event({ dataset: 'tiny', epochs: 1, seed: 3, jobId: 'crashy' });
  const crashed = await deliver('retrainCrashAfterRegister', e);
  expect(crashed.status).toBe(500);
  expect(logs.crashes().some((c) => c.includes('Error: instance died after registering'))).toBe(true);
  expect((await status('crashy')).state).toBe('registering');
  const versionsBefore = (await deps.models.list('models/buzzfinder/v')).filter((o) => o.key.endsWith('/metadata.json')).length;
  const res = await deliver('retrainTest', e);
  expect(res.status).toBeLessThan(300);
  const s = await status('crashy');
  expect(s.state).toBe('succeeded');
  expect(s.registered!.version).toMatch(/^v\d{4}$/);
  const versionsAfter = (await deps.models.list('models/buzzfinder/v')).filter((o) => o.key.endsWith('/metadata.json')).length;
  expect(versionsAfter).toBe(versionsBefore);
  const meta = await readJson<{ notes: { jobId: string } }>(deps.models, `models/buzzfinder/${s.registered!.version}/metadata.json`);
  expect(meta.notes.jobId).toBe('crashy');
});
