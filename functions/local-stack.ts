/**
 * The embedded default: everything on one machine, no cloud account.
 *   - classify on http://127.0.0.1:<port>/ (the functions framework's own server, listening on loopback only);
 *   - a watcher on the local uploads folder that delivers a real-shaped storage CloudEvent (as Eventarc would)
 *     to split-take for every new or replaced file (once its size has settled);
 *   - the retrain queue (a folder of message files, see adapters/queue/folder.ts) feeding the retrain handler.
 */
import * as functions from '@google-cloud/functions-framework';
import type { Server } from 'node:http';
import { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { Config, ConfigError } from '../adapters/config';
import { FolderQueue } from '../adapters/queue/folder';
import { openQueue } from '../adapters/queue/open';
import type { SubscribableQueue } from '../adapters/queue/types';
import { createClassifyHandler } from './classify';
import { storageFinalizedEvent } from './events';
import { errorFields, log } from './logger';
import { guardedFrameworkServer } from './request-body';
import { createRetrainHandler } from './retrain';
import { createRuntime, FunctionsRuntime } from './runtime';
import { createSplitTakeHandler } from './split-take';
import { createTakePagesHandler, mountTakePages, takesDepsOf } from './take-pages';

export interface LocalStack {
  url: string;
  /** The take pages: the list of takes, each report's page, uploads. */
  takesUrl: string;
  port: number;
  runtime: FunctionsRuntime;
  uploadsDir: string;
  reportsDir: string;
  queueDir: string;
  stop(): Promise<void>;
}

let registered = 0;

export async function startLocalStack(config: Config, options: { port?: number } = {}): Promise<LocalStack> {
  if (config.storage !== 'local') {
    throw new ConfigError(`the local stack keeps its buckets in local folders: unset BUZZFINDER_STORAGE (it is '${config.storage}'; deployed functions use gcs)`);
  }
  const queue: SubscribableQueue =
    config.queue === 'memory'
      ? new FolderQueue({
          dir: path.join(config.localRoot, 'queue', 'retrain'),
          topic: config.retrainTopic,
          pollMs: config.localPollMs,
          onDeadLetter: (id, err) => log('ERROR', 'retrain message dead-lettered', { messageId: id, ...errorFields(err) }),
        })
      : openQueue(config);
  const runtime = createRuntime(config, { queue });

  // classify: the framework's server for the registered function, bound to loopback by us.
  const name = `classifyLocal${registered++}`;
  functions.http(name, createClassifyHandler(runtime.classify));
  const server: Server = guardedFrameworkServer(name);
  // The take pages share the port under /takes/ (GET / and POST / stay classify's).
  mountTakePages(server, createTakePagesHandler(takesDepsOf(runtime)));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? config.port, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  // split-take: poll the uploads bucket; deliver an event per new generation whose size has settled.
  const splitTake = createSplitTakeHandler(runtime.splitTake);
  const delivered = new Map<string, string>();
  const lastSeen = new Map<string, string>();
  let watching = true;
  let scan: Promise<void> = Promise.resolve();
  const pollUploads = async () => {
    const objects = await runtime.uploads.list(config.uploadsPrefix);
    for (const obj of objects) {
      if (!watching) return;
      const identity = `${obj.generation}:${obj.size}`;
      if (delivered.get(obj.key) === obj.generation) continue;
      if (lastSeen.get(obj.key) !== identity) {
        lastSeen.set(obj.key, identity); // settle for one more poll (a copy may still be growing)
        continue;
      }
      const event = storageFinalizedEvent({ bucket: config.uploadsBucket, name: obj.key, generation: obj.generation, size: obj.size, contentType: obj.contentType, updated: new Date() });
      try {
        await splitTake(event);
        delivered.set(obj.key, obj.generation);
      } catch (err) {
        // Like the platform: retried (at the next poll).
        log('WARNING', 'split-take failed; will retry', { object: obj.key, ...errorFields(err) });
      }
    }
  };
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    scan = pollUploads()
      .catch((err) => log('ERROR', 'uploads watcher failed', errorFields(err)))
      .finally(() => {
        if (watching) timer = setTimeout(tick, config.localPollMs);
      });
  };
  tick();

  const retrain = createRetrainHandler(runtime.retrain);
  const unsubscribe = queue.subscribe(async (event) => {
    await retrain(event);
  });

  const root = config.localRoot;
  return {
    url: `http://127.0.0.1:${port}/`,
    takesUrl: `http://127.0.0.1:${port}/takes/`,
    port,
    runtime,
    uploadsDir: path.join(root, config.uploadsBucket, ...config.uploadsPrefix.split('/').filter(Boolean)),
    reportsDir: path.join(root, config.reportsBucket, 'reports'),
    queueDir: queue.location,
    async stop() {
      watching = false;
      if (timer) clearTimeout(timer);
      await scan;
      await unsubscribe();
      await queue.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      runtime.modelCache.dispose();
    },
  };
}
