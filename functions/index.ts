/**
 * The deployable functions (gen2): entry points `classify` (HTTP), `splitTake` (storage object finalized)
 * and `retrain` (Pub/Sub message published). Configuration comes from the environment (adapters/config.ts).
 */
import * as functions from '@google-cloud/functions-framework';
import { createClassifyHandler } from './classify';
import type { StorageObjectEvent } from './events';
import { createRetrainHandler } from './retrain';
import type { MessagePublishedEvent } from '../adapters/queue/types';
import { runtime } from './runtime';
import { createSplitTakeHandler } from './split-take';
import { guardServerBodies, isFrameworkTarget } from './request-body';

// In the classify instance, request bodies are read by the handler, not buffered by the framework first
// (functions/request-body.ts): the guard must be in place before the framework's server takes requests.
if (isFrameworkTarget('classify')) guardServerBodies();

// Handlers are built on first use, so loading this module costs nothing until a request arrives.
let classifyHandler: ReturnType<typeof createClassifyHandler> | undefined;
let splitTakeHandler: ReturnType<typeof createSplitTakeHandler> | undefined;
let retrainHandler: ReturnType<typeof createRetrainHandler> | undefined;

functions.http('classify', (req, res) => {
  classifyHandler ??= createClassifyHandler(runtime().classify);
  return classifyHandler(req, res);
});

functions.cloudEvent('splitTake', async (event: StorageObjectEvent) => {
  splitTakeHandler ??= createSplitTakeHandler(runtime().splitTake);
  await splitTakeHandler(event);
});

functions.cloudEvent('retrain', async (event: MessagePublishedEvent) => {
  retrainHandler ??= createRetrainHandler(runtime().retrain);
  await retrainHandler(event);
});
