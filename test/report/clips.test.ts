import { CLIP_SAMPLES, SAMPLE_RATE } from '../../shared/constants';
import { REPORT_PRE_ONSET_SAMPLES, clipWindow, cutClip } from '../../shared/report/clips';

const SR = SAMPLE_RATE;
/** A ramp whose value is its own index + 1: any sample in a clip tells where it came from. */
const take = Float32Array.from({ length: SR * 5 }, (_, i) => i + 1);

describe('cutClip', () => {
  it('cuts 0.12 s before to 1.88 s after the onset', () => {
    const onset = SR * 2;
    const clip = cutClip({ source: take, onsetSample: onset, overlap: 'keep' });
    expect(clip.length).toBe(CLIP_SAMPLES);
    expect(clip[0]).toBe(onset - REPORT_PRE_ONSET_SAMPLES + 1);
    expect(clip[REPORT_PRE_ONSET_SAMPLES]).toBe(onset + 1);
    expect(clip[CLIP_SAMPLES - 1]).toBe(onset - REPORT_PRE_ONSET_SAMPLES + CLIP_SAMPLES);
    expect(REPORT_PRE_ONSET_SAMPLES).toBe(2646);
    expect(clipWindow(onset)).toEqual({ start: onset - 2646, end: onset - 2646 + 44100 });
  });

  it('zero-pads an onset at 0.02 s (window starts before the take)', () => {
    const onset = Math.round(0.02 * SR); // 441
    const clip = cutClip({ source: take, onsetSample: onset });
    expect(clip.length).toBe(CLIP_SAMPLES);
    const pad = REPORT_PRE_ONSET_SAMPLES - onset; // 2205 zeros
    expect(Array.from(clip.subarray(0, pad)).every((v) => v === 0)).toBe(true);
    expect(clip[pad]).toBe(1); // the take's first sample
    expect(clip[CLIP_SAMPLES - 1]).toBe(CLIP_SAMPLES - pad);
  });

  it('zero-pads an onset 0.3 s before the end (window runs past the take)', () => {
    const onset = take.length - Math.round(0.3 * SR);
    const clip = cutClip({ source: take, onsetSample: onset });
    expect(clip.length).toBe(CLIP_SAMPLES);
    const real = take.length - (onset - REPORT_PRE_ONSET_SAMPLES); // 0.42 s of audio
    expect(clip[real - 1]).toBe(take.length);
    expect(Array.from(clip.subarray(real)).every((v) => v === 0)).toBe(true);
    expect(real).toBe(Math.round(0.42 * SR));
  });

  it('reads from a ring-buffer window of the take (sourceOffset) exactly as from the whole take', () => {
    const onset = SR * 2 + 123;
    const offset = SR;
    const window = take.slice(offset, offset + SR * 3);
    expect(cutClip({ source: window, sourceOffset: offset, onsetSample: onset, takeLength: take.length })).toEqual(cutClip({ source: take, onsetSample: onset }));
  });

  it('applies the overlap policy after the next onset', () => {
    const onset = SR;
    const next = onset + Math.round(0.5 * SR);
    const at = next - (onset - REPORT_PRE_ONSET_SAMPLES); // clip index of the next onset
    const keep = cutClip({ source: take, onsetSample: onset, nextOnsetSample: next, overlap: 'keep' });
    const mask = cutClip({ source: take, onsetSample: onset, nextOnsetSample: next, overlap: 'mask' });
    const fade = cutClip({ source: take, onsetSample: onset, nextOnsetSample: next, overlap: 'fade' });
    expect(keep[at + 10]).toBe(next + 11);
    // mask: zero from 5 ms before the next onset
    const guard = Math.round(0.005 * SR);
    expect(mask[at - guard - 1]).toBe(keep[at - guard - 1]);
    expect(Array.from(mask.subarray(at - guard)).every((v) => v === 0)).toBe(true);
    // fade: unchanged before the next onset, decreasing gain over 30 ms, zero after
    expect(fade[at - 1]).toBe(keep[at - 1]);
    const fadeLen = Math.round(0.03 * SR);
    expect(fade[at + fadeLen / 2] / keep[at + fadeLen / 2]).toBeGreaterThan(0.3);
    expect(fade[at + fadeLen / 2] / keep[at + fadeLen / 2]).toBeLessThan(0.7);
    expect(Array.from(fade.subarray(at + fadeLen)).every((v) => v === 0)).toBe(true);
    // A next onset beyond the window changes nothing.
    expect(cutClip({ source: take, onsetSample: onset, nextOnsetSample: onset + SR * 3, overlap: 'mask' })).toEqual(keep);
  });

  it('cuts into a reused buffer (`into`) exactly as into a new one, whatever the buffer held', () => {
    const onsets = [Math.round(0.02 * SR), SR * 2 + 7, take.length - Math.round(0.3 * SR)];
    for (const overlap of ['keep', 'fade', 'mask'] as const) {
      for (const onset of onsets) {
        const options = { source: take, onsetSample: onset, nextOnsetSample: onset + Math.round(0.5 * SR), overlap };
        const into = new Float32Array(CLIP_SAMPLES).fill(-7);
        const clip = cutClip({ ...options, into });
        expect(clip).toBe(into);
        expect(clip).toEqual(cutClip(options));
      }
    }
  });

  it('rejects bad input', () => {
    expect(() => cutClip({ source: take, onsetSample: SR, into: new Float32Array(CLIP_SAMPLES - 1) })).toThrow(/into/);
    expect(() => cutClip({ source: [1] as unknown as Float32Array, onsetSample: 0 })).toThrow(TypeError);
    expect(() => cutClip({ source: take, onsetSample: NaN })).toThrow(TypeError);
    expect(() => cutClip({ source: take, onsetSample: 0, overlap: 'drop' as never })).toThrow(/overlap/);
  });
});
