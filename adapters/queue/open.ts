/**
 * openQueue: configuration -> the retrain queue. Pub/Sub in the cloud; locally a folder of message files
 * (`<localRoot>/queue/retrain/`) so that `buzzfinder retrain` (one process) reaches `buzzfinder serve` (another).
 */
import * as path from 'node:path';
import type { Config } from '../config';
import { FolderQueue } from './folder';
import { PubsubQueue } from './pubsub';
import { SubscribableQueue } from './types';

export function localQueueDir(config: Pick<Config, 'localRoot'>): string {
  return path.join(config.localRoot, 'queue', 'retrain');
}

export function openQueue(config: Pick<Config, 'queue' | 'retrainTopic' | 'project' | 'localRoot'>): SubscribableQueue {
  if (config.queue === 'pubsub') return new PubsubQueue({ topic: config.retrainTopic, projectId: config.project });
  return new FolderQueue({ dir: localQueueDir(config), topic: config.retrainTopic, project: config.project ?? 'local' });
}
