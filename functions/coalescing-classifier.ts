/**
 * The served model, with concurrent requests' clips classified together: calls made in the same turn of the
 * event loop (several requests decoded while the previous batch ran) are queued and run as one batch on the
 * next turn (setImmediate). One network pass over N clips costs much less than N passes of one (tfjs-wasm:
 * ~2.4 vs ~4 ms per clip), so under concurrency the instance serves more requests per CPU second; a lone
 * request waits for nothing. A batch that fails is retried call by call, so one bad input fails only its own request.
 */
import { ClassProbabilities } from '../shared/classifier';
import { TfClipClassifier } from '../shared/model/classifier';

interface Queued {
  clips: Float32Array[];
  resolve: (p: ClassProbabilities[]) => void;
  reject: (err: unknown) => void;
}

export class CoalescingClassifier extends TfClipClassifier {
  /** Network passes run (for tests and benchmarks). */
  batches = 0;
  private queue: Queued[] = [];

  static from(classifier: TfClipClassifier): CoalescingClassifier {
    return new CoalescingClassifier(classifier.model, classifier.metadata);
  }

  override classifyClips(clips: Float32Array[]): Promise<ClassProbabilities[]> {
    if (!Array.isArray(clips)) return Promise.reject(new TypeError('classifyClips: clips must be an array of Float32Array'));
    if (clips.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      if (this.queue.length === 0) setImmediate(() => this.flush());
      this.queue.push({ clips, resolve, reject });
    });
  }

  private async flush(): Promise<void> {
    const calls = this.queue;
    this.queue = [];
    if (calls.length === 1) {
      await this.runOne(calls[0]);
      return;
    }
    let all: ClassProbabilities[];
    try {
      this.batches++;
      all = await super.classifyClips(calls.flatMap((c) => c.clips));
    } catch {
      for (const call of calls) await this.runOne(call);
      return;
    }
    let at = 0;
    for (const call of calls) {
      call.resolve(all.slice(at, at + call.clips.length));
      at += call.clips.length;
    }
  }

  private async runOne(call: Queued): Promise<void> {
    try {
      this.batches++;
      call.resolve(await super.classifyClips(call.clips));
    } catch (err) {
      call.reject(err);
    }
  }
}
