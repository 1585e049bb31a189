/**
 * The retrain queue: the in-process implementation, and PubsubQueue against Google's Pub/Sub emulator
 * (scripts/emulators/pubsub.ts; fails, never skips, if the emulator cannot start).
 */
import { PubSub } from '@google-cloud/pubsub';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FolderQueue } from '../../adapters/queue/folder';
import { InProcessQueue } from '../../adapters/queue/memory';
import { openQueue } from '../../adapters/queue/open';
import { PubsubQueue } from '../../adapters/queue/pubsub';
import { decodeMessageJson, MessagePublishedEvent, PUBSUB_MESSAGE_PUBLISHED } from '../../adapters/queue/types';
import { PubsubEmulatorHandle, startPubsubEmulator } from '../../scripts/emulators/pubsub';

function expectEventShape(event: MessagePublishedEvent, project: string, topic: string): void {
  expect(event).toMatchObject({
    specversion: '1.0',
    type: PUBSUB_MESSAGE_PUBLISHED,
    source: `//pubsub.googleapis.com/projects/${project}/topics/${topic}`,
  });
  expect(event.id).toBe(event.data!.message.messageId);
  expect(event.data!.subscription).toMatch(new RegExp(`^projects/${project}/subscriptions/.+`));
  expect(new Date(event.data!.message.publishTime).toString()).not.toBe('Invalid Date');
  expect(Buffer.from(event.data!.message.data, 'base64').toString('base64')).toBe(event.data!.message.data);
}

describe('InProcessQueue', () => {
  test('delivers real-shaped messagePublished CloudEvents, including messages published before subscribe', async () => {
    const queue = new InProcessQueue({ topic: 't1', project: 'p1' });
    await queue.publish({ dataset: 'early' }, { kind: 'retrain' });
    const got: MessagePublishedEvent[] = [];
    await queue.subscribe(async (e) => void got.push(e));
    const id = await queue.publish({ dataset: 'late', epochs: 2 });
    await queue.idle();
    expect(got.map((e) => decodeMessageJson(e))).toEqual([{ dataset: 'early' }, { dataset: 'late', epochs: 2 }]);
    expect(got[1].id).toBe(id);
    expect(got[0].data!.message.attributes).toEqual({ kind: 'retrain' });
    for (const e of got) expectEventShape(e, 'p1', 't1');
    await queue.close();
  });

  test('a rejecting handler gets the message again (at least once), then it is dead-lettered', async () => {
    const dead: string[] = [];
    const queue = new InProcessQueue({ retryDelayMs: 5, maxDeliveries: 3, onDeadLetter: (id) => dead.push(id) });
    const attempts: string[] = [];
    await queue.subscribe(async (e) => {
      attempts.push(e.id);
      const body = decodeMessageJson(e) as { failTimes: number };
      if (attempts.filter((a) => a === e.id).length <= body.failTimes) throw new Error('transient');
    });
    const ok = await queue.publish({ failTimes: 1 });
    const doomed = await queue.publish({ failTimes: 99 });
    await queue.idle();
    expect(attempts.filter((a) => a === ok)).toHaveLength(2);
    expect(attempts.filter((a) => a === doomed)).toHaveLength(3);
    expect(dead).toEqual([doomed]);
    await queue.close();
    await expect(queue.publish({})).rejects.toThrow(/closed/);
  });

  test('openQueue picks the implementation from configuration', async () => {
    const memory = openQueue({ queue: 'memory', retrainTopic: 'x', project: undefined, localRoot: '/tmp/bf-q' });
    expect(memory).toBeInstanceOf(FolderQueue);
    expect(memory.location).toBe('/tmp/bf-q/queue/retrain');
    const pubsub = openQueue({ queue: 'pubsub', retrainTopic: 'x', project: 'p', localRoot: '/tmp/bf-q' });
    expect(pubsub).toBeInstanceOf(PubsubQueue); // constructing a client opens no connection; nothing to close
    await memory.close();
  });

  test('decodeMessageJson rejects events without a message', () => {
    expect(() => decodeMessageJson({ data: {} })).toThrow(TypeError);
    expect(() => decodeMessageJson({ data: { message: { data: Buffer.from('{nope').toString('base64') } } })).toThrow(SyntaxError);
  });
});

describe('FolderQueue (the local stack across processes)', () => {
  test('messages published before and after subscribe are delivered once acked; failures retried, then dead-lettered', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bf-folder-queue-'));
    const dead: string[] = [];
    // Another "process" (another FolderQueue on the same folder) publishes before anyone listens.
    const early = await new FolderQueue({ dir }).publish({ dataset: 'a' }, { jobId: 'j' });
    const queue = new FolderQueue({ dir, topic: 't', project: 'p', pollMs: 10, retryDelayMs: 5, maxDeliveries: 2, onDeadLetter: (id) => dead.push(id) });
    const got: MessagePublishedEvent[] = [];
    const stop = queue.subscribe(async (e) => {
      got.push(e);
      if ((decodeMessageJson(e) as { dataset: string }).dataset === 'poison') throw new Error('always fails');
    });
    const late = await queue.publish({ dataset: 'b' });
    const poison = await queue.publish({ dataset: 'poison' });
    await queue.idle(10_000);
    await stop();
    expect(got.filter((e) => e.id === early)).toHaveLength(1);
    expect(got.filter((e) => e.id === late)).toHaveLength(1);
    expect(got.filter((e) => e.id === poison)).toHaveLength(2);
    expect(dead).toEqual([poison]);
    expectEventShape(got[0], 'p', 't');
    expect(got[0].data!.message.attributes).toEqual({ jobId: 'j' });
    expect((await fs.readdir(dir)).filter((f) => f.endsWith('.json'))).toEqual([]);
    expect(await fs.readdir(path.join(dir, 'dead'))).toHaveLength(1);
    await fs.rm(dir, { recursive: true, force: true });
  });
});

describe('PubsubQueue (Pub/Sub emulator)', () => {
  let emulator: PubsubEmulatorHandle;
  beforeAll(async () => {
    emulator = await startPubsubEmulator();
  }, 90_000);
  afterAll(async () => {
    await emulator?.stop();
  });

  test('publish -> streaming pull delivers the same real-shaped CloudEvent; a nack is redelivered', async () => {
    const pubsub = new PubSub({ projectId: 'bf-test', apiEndpoint: emulator.endpoint, emulatorMode: true });
    const queue = new PubsubQueue({ topic: 'retrain-test', pubsub });
    await queue.ensureTopic();
    await queue.ensureTopic(); // idempotent
    const seen: MessagePublishedEvent[] = [];
    let failedOnce = false;
    let unsubscribe: Promise<() => Promise<void>> | undefined;
    const done = new Promise<void>((resolve) => {
      unsubscribe = queue.subscribeNamed('retrain-test-sub', async (e) => {
        seen.push(e);
        const body = decodeMessageJson(e) as { dataset: string };
        if (body.dataset === 'flaky' && !failedOnce) {
          failedOnce = true;
          throw new Error('nack me');
        }
        if (seen.filter((s) => (decodeMessageJson(s) as { dataset: string }).dataset === 'flaky').length >= 2 && seen.some((s) => (decodeMessageJson(s) as { dataset: string }).dataset === 'clips/')) resolve();
      });
    });
    await unsubscribe; // the subscription exists before publishing
    const id = await queue.publish({ dataset: 'clips/', epochs: 1 }, { jobId: 'j1' });
    await queue.publish({ dataset: 'flaky' });
    let timer: NodeJS.Timeout | undefined;
    // The timer is cleared: a pending one kept the jest worker alive 30 s after the suite ("failed to exit gracefully").
    await Promise.race([done, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out; saw ${seen.length}`)), 30_000)))]).finally(() => clearTimeout(timer));
    const first = seen.find((e) => e.id === id)!;
    expectEventShape(first, 'bf-test', 'retrain-test');
    expect(decodeMessageJson(first)).toEqual({ dataset: 'clips/', epochs: 1 });
    expect(first.data!.message.attributes).toEqual({ jobId: 'j1' });
    expect(first.data!.subscription).toBe('projects/bf-test/subscriptions/retrain-test-sub');
    await queue.close();
  }, 60_000);
});
