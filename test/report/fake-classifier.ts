import { ClassProbabilities, ClipClassifier } from '../../shared/classifier';
import { CLIP_SAMPLES } from '../../shared/constants';
import type { ClipPlacement } from '../../shared/features/pipeline';

/**
 * A deterministic stand-in for a model (structure tests): the label follows the zero-crossing rate after the onset,
 * so different notes get different labels. Records every call.
 */
export class FakeClassifier implements ClipClassifier {
  readonly identity = { name: 'fake', version: 'test-1' };
  readonly calls: number[] = [];
  readonly clips: Float32Array[] = [];
  /** The placement passed with each clip (undefined when none was). */
  readonly takeOffsets: (number | null | undefined)[] = [];

  async classifyClips(clips: Float32Array[], placement?: ClipPlacement): Promise<ClassProbabilities[]> {
    this.calls.push(clips.length);
    clips.forEach((_, i) => this.takeOffsets.push(placement?.takeOffsets?.[i]));
    return clips.map((clip) => {
      if (clip.length !== CLIP_SAMPLES) throw new Error(`clip of ${clip.length} samples`);
      this.clips.push(clip);
      // Zero-crossing rate of the first 0.2 s after the onset, bucketed: a cheap, content-dependent label.
      let crossings = 0;
      for (let i = 2206; i < 6615; i++) if (clip[i - 1] < 0 !== clip[i] < 0) crossings++;
      const zcr = crossings / 4410;
      const winner = zcr < 0.03 ? 1 : zcr < 0.06 ? 0 : 2;
      const p = [0.1, 0.1, 0.1];
      p[winner] = 0.8;
      return { buzzy: p[0], clean: p[1], muted: p[2] };
    });
  }
}
