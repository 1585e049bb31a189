/**
 * Cutting a note's model clip out of a take: CLIP_SAMPLES samples starting REPORT_PRE_ONSET_SECONDS before the
 * onset (the original project's window started 0.1 s before; see constants.ts for the 20 ms more). Outside the take
 * the clip is zero — never shorter, never garbage.
 *
 * When the next note starts inside the window, `overlap` decides what the clip holds after it:
 * - 'keep': the take as it is (the original project's behaviour),
 * - 'fade': a 30 ms raised-cosine fade-out starting at the next onset, zero afterwards,
 * - 'mask': zero from the next onset on (minus a 5 ms guard for the next attack's pre-ring).
 * Which one classifies fast passages best was measured (docs/report.md); DEFAULT_OVERLAP_POLICY is the winner.
 */
import { CLIP_SAMPLES, REPORT_PRE_ONSET_SECONDS, SAMPLE_RATE } from '../constants';

export const OVERLAP_POLICIES = ['keep', 'fade', 'mask'] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];
export const DEFAULT_OVERLAP_POLICY: OverlapPolicy = 'keep';

export const REPORT_PRE_ONSET_SAMPLES = Math.round(REPORT_PRE_ONSET_SECONDS * SAMPLE_RATE); // 2646
const FADE_SAMPLES = Math.round(0.03 * SAMPLE_RATE);
const MASK_GUARD_SAMPLES = Math.round(0.005 * SAMPLE_RATE);

export interface ClipWindow {
  /** First sample of the window in the take (may be negative: zero padding). */
  start: number;
  /** One past the last sample (start + CLIP_SAMPLES; may exceed the take: zero padding). */
  end: number;
}

export function clipWindow(onsetSample: number): ClipWindow {
  const start = Math.round(onsetSample) - REPORT_PRE_ONSET_SAMPLES;
  return { start, end: start + CLIP_SAMPLES };
}

/**
 * Where the clip of the note at `onsetSample` lies in the take when it is the take itself there (ClipPlacement in
 * features/pipeline.ts), or null when the overlap policy alters it after the next onset.
 */
export function clipTakeOffset(onsetSample: number, overlap: OverlapPolicy): number | null {
  return overlap === 'keep' ? clipWindow(onsetSample).start : null;
}

export function isOverlapPolicy(value: unknown): value is OverlapPolicy {
  return typeof value === 'string' && (OVERLAP_POLICIES as readonly string[]).includes(value);
}

/**
 * The clip of the note at `onsetSample`. `source` holds take samples [sourceOffset, sourceOffset + source.length)
 * (the whole take, or a ring-buffer window of it when streaming); samples outside it are zero.
 */
export function cutClip(options: {
  source: Float32Array;
  onsetSample: number;
  /** Take-sample index of source[0]. Default 0. */
  sourceOffset?: number;
  /** Total samples in the take: everything at or after it is zero padding. Default: the end of `source`. */
  takeLength?: number;
  nextOnsetSample?: number | null;
  overlap?: OverlapPolicy;
  /**
   * A CLIP_SAMPLES buffer to cut into (its contents are overwritten) instead of a new one: on these VMs fresh
   * memory costs far more than the copy (docs/speed.md), so the report reuses buffers its classifier is done with.
   */
  into?: Float32Array;
}): Float32Array {
  const { source, onsetSample } = options;
  if (!(source instanceof Float32Array)) throw new TypeError('cutClip: source must be a Float32Array');
  if (!Number.isFinite(onsetSample)) throw new TypeError(`cutClip: onsetSample must be finite, got ${onsetSample}`);
  const overlap = options.overlap ?? DEFAULT_OVERLAP_POLICY;
  if (!isOverlapPolicy(overlap)) throw new TypeError(`cutClip: overlap must be one of ${OVERLAP_POLICIES.join(', ')}, got ${String(overlap)}`);
  const { into } = options;
  // Not `instanceof`: a reused buffer may come back from a worker thread, built in another realm (e.g. under jest).
  if (into !== undefined && !(Object.prototype.toString.call(into) === '[object Float32Array]' && into.length === CLIP_SAMPLES)) throw new TypeError(`cutClip: into must be a Float32Array of ${CLIP_SAMPLES} samples`);
  const offset = options.sourceOffset ?? 0;
  const takeLength = options.takeLength ?? offset + source.length;
  const { start } = clipWindow(onsetSample);
  const from = Math.max(start, offset, 0);
  const to = Math.min(start + CLIP_SAMPLES, offset + source.length, takeLength);
  let clip: Float32Array;
  if (from === start && to === start + CLIP_SAMPLES) {
    // Wholly inside the source (nearly every note): one copy, no zero-fill first.
    if (into) (clip = into).set(source.subarray(from - offset, to - offset));
    else clip = source.slice(from - offset, to - offset);
  } else {
    clip = into ? into.fill(0) : new Float32Array(CLIP_SAMPLES);
    if (to > from) clip.set(source.subarray(from - offset, to - offset), from - start);
  }
  const next = options.nextOnsetSample;
  if (overlap !== 'keep' && next !== null && next !== undefined && Number.isFinite(next)) {
    const cut = Math.round(next) - start; // clip index of the next onset
    if (overlap === 'mask') {
      clip.fill(0, Math.max(REPORT_PRE_ONSET_SAMPLES + 1, Math.min(CLIP_SAMPLES, cut - MASK_GUARD_SAMPLES)));
    } else {
      const fadeStart = Math.max(REPORT_PRE_ONSET_SAMPLES + 1, cut);
      for (let i = 0; i < FADE_SAMPLES && fadeStart + i < CLIP_SAMPLES; i++) clip[fadeStart + i] *= 0.5 + 0.5 * Math.cos((Math.PI * (i + 1)) / FADE_SAMPLES);
      if (fadeStart + FADE_SAMPLES < CLIP_SAMPLES) clip.fill(0, fadeStart + FADE_SAMPLES);
    }
  }
  return clip;
}
