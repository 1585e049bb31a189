/** The deployable entry points: functions/index.ts registers classify, splitTake and retrain with the framework. */
import { getFunction, getTestServer } from '@google-cloud/functions-framework/testing';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import { LocalFolderStore } from '../../adapters/storage/local';
import { messagePublishedEvent } from '../../adapters/queue/types';
import { binaryModeRequest } from '../../functions/events';
import { captureLogs, saveTinyModel } from './helpers';

let root: string;
const saved = { ...process.env };
let logs: ReturnType<typeof captureLogs>;

beforeAll(async () => {
  logs = captureLogs();
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'bf-index-'));
  await saveTinyModel(new LocalFolderStore(path.join(root, 'bundled')), '', { version: 'bundled-index' });
  // Configuration is read from the environment on first use, as in the cloud.
  process.env.BUZZFINDER_LOCAL_ROOT = path.join(root, 'stack');
  process.env.BUZZFINDER_DEFAULT_MODEL_DIR = path.join(root, 'bundled');
  await import('../../functions/index');
}, 60_000);
afterAll(async () => {
  process.env = saved;
  logs.restore();
  await fs.rm(root, { recursive: true, force: true });
});

test('classify, splitTake and retrain are registered; classify serves the bundled model; retrain acks a malformed message', async () => {
  for (const name of ['classify', 'splitTake', 'retrain']) expect(getFunction(name)).toBeDefined();
  const res = await request(getTestServer('classify')).get('/');
  expect(res.status).toBe(200);
  expect(res.body.model).toEqual({ name: 'buzzfinder', version: 'bundled-index' });
  const { headers, body } = binaryModeRequest(
    messagePublishedEvent({ project: 'p', topic: 't', subscription: 's', messageId: 'm1', data: new TextEncoder().encode('{"nope": true}') }),
  );
  const req = request(getTestServer('retrain')).post('/');
  for (const [k, v] of Object.entries(headers)) req.set(k, v);
  expect((await req.send(body)).status).toBeLessThan(300);
  expect(logs.lines().some((l) => l.message === 'retrain: malformed message, acknowledged')).toBe(true);
});
