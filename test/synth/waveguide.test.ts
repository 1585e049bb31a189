import { SAMPLE_RATE } from '../../shared/constants';
import { Rng } from '../../shared/rng';
import { renderString, StringParams } from '../../shared/synth/waveguide';
import { decaySeconds, pitchOffsetCents } from './acoustics';

const base: StringParams = {
  f0: 110,
  sampleRate: SAMPLE_RATE,
  t60: 3,
  t60High: 0.5,
  highFreq: 3000,
  dispersion: 0,
  dispersionStages: 0,
  pluckPosition: 0.2,
  pickHardness: 0.8,
  amplitude: 1,
  excitationNoise: 0,
  pickupPosition: null,
  barrier: null,
};

function render(p: Partial<StringParams>, seconds = 1): { x: Float32Array; info: ReturnType<typeof renderString> } {
  const x = new Float32Array(Math.round(seconds * SAMPLE_RATE));
  const rng = new Rng(5);
  const info = renderString({ ...base, ...p }, x, 0, x.length, () => rng.next());
  return { x, info };
}

describe('renderString (waveguide)', () => {
  it.each([
    [82.41, 0, 0],
    [110, 0.3, 2],
    [329.63, 0.5, 2],
    [659.26, 0.2, 1],
    [1318.51, 0.3, 2],
  ])('is tuned exactly at f0=%p Hz (dispersion %p, %p stages)', (f0, dispersion, stages) => {
    const { x } = render({ f0, dispersion, dispersionStages: stages, t60High: 0.05 });
    expect(Math.abs(pitchOffsetCents(x, 441, 8192, f0))).toBeLessThanOrEqual(1);
  });

  it('decays at the requested T60 (fundamental)', () => {
    for (const t60 of [0.3, 1, 2.5]) {
      // A sine-like pluck (soft, mid-string) so the fundamental dominates the envelope.
      const { x } = render({ t60, t60High: t60, pickHardness: 0, pluckPosition: 0.5 }, 3);
      const measured = decaySeconds(x, 0, 30) * 2; // -30 dB is half of T60
      expect(measured).toBeGreaterThan(t60 * 0.75);
      expect(measured).toBeLessThan(t60 * 1.3);
    }
  });

  it('stays stable for high notes with a dark loss filter (the DC mode never grows)', () => {
    const { x } = render({ f0: 1318.51, t60: 0.8, t60High: 0.02, dispersion: 0.3, dispersionStages: 1 }, 2);
    let early = 0, late = 0;
    for (let i = 0; i < 2205; i++) early = Math.max(early, Math.abs(x[i]));
    for (let i = x.length - 2205; i < x.length; i++) late = Math.max(late, Math.abs(x[i]));
    expect(late).toBeLessThan(early * 1e-3);
  });

  it('a fret barrier collides with the string in the attack and stops once the amplitude has decayed', () => {
    const full = render({ barrier: { fromNut: 0.08, heightRel: 0.1, frets: 2, roughness: 0.3, startSec: 0, clearSec: null } }, 2).info;
    const brief = render({ barrier: { fromNut: 0.08, heightRel: 0.6, frets: 1, roughness: 0.3, startSec: 0, clearSec: null } }, 2).info;
    const none = render({}, 2).info;
    expect(none.contactSamples).toBe(0);
    expect(full.contactSamples).toBeGreaterThan(brief.contactSamples);
    expect(brief.contactSamples).toBeGreaterThan(0);
    expect(full.lastContactSec).toBeGreaterThan(brief.lastContactSec);
    expect(full.lastContactSec).toBeLessThan(2);
  });

  it('rejects an f0 outside the loop range', () => {
    expect(() => render({ f0: 0 })).toThrow(TypeError);
    expect(() => render({ f0: 8000 })).toThrow(TypeError);
  });
});
