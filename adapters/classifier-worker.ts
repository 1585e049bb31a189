/**
 * Worker-thread side of adapters/classifier-workers.ts: loads the model once (tfjs + wasm in this thread),
 * then answers each batch of clips with features + network output. Never imported by the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { BuzzfinderError } from '../shared/errors';
import { extractFeatureBatch } from '../shared/features/pipeline';
import { loadClassifier, predictFeatures, TfClipClassifier } from '../shared/model/classifier';
import { LocalFolderStore } from './storage/local';
import { initTf } from './tf-backend';
import { ownsBuffer } from './classifier-workers';
import type { ClassifierWorkerReply, ClassifierWorkerRequest, ClassifierWorkerData } from './classifier-workers';

const port = parentPort!;

function errorOf(err: unknown): { code: string; message: string } {
  if (err instanceof BuzzfinderError) return { code: err.code, message: err.message };
  return { code: 'classifier_failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) };
}

async function start(): Promise<void> {
  const { modelDir } = workerData as ClassifierWorkerData;
  let classifier: TfClipClassifier;
  try {
    await initTf();
    classifier = await loadClassifier(new LocalFolderStore(modelDir), '');
  } catch (err) {
    port.postMessage({ type: 'failed', error: errorOf(err) } satisfies ClassifierWorkerReply);
    return;
  }
  port.postMessage({ type: 'ready', identity: classifier.identity } satisfies ClassifierWorkerReply);
  port.on('message', (request: ClassifierWorkerRequest) => {
    try {
      const t0 = performance.now();
      const features = extractFeatureBatch(classifier.pipeline, request.clips, request.placement);
      const t1 = performance.now();
      const probabilities = predictFeatures(classifier.network, features, request.clips.length);
      // The clips go back for the caller to cut later clips into (reused memory is much cheaper than fresh here).
      const spare = request.clips.filter(ownsBuffer);
      const reply: ClassifierWorkerReply = { type: 'result', id: request.id, probabilities, spare, featuresMs: t1 - t0, modelMs: performance.now() - t1 };
      port.postMessage(reply, [probabilities.buffer as ArrayBuffer, ...spare.map((c) => c.buffer as ArrayBuffer)]);
    } catch (err) {
      port.postMessage({ type: 'error', id: request.id, error: errorOf(err) } satisfies ClassifierWorkerReply);
    }
  });
}

void start();
