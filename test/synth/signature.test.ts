import { SAMPLE_RATE } from '../../shared/constants';
import { Rng } from '../../shared/rng';
import { noteSignature, SIGNATURE_WINDOWS } from '../../shared/synth/signature';

const SR = SAMPLE_RATE;
const ONSET = 0.1;

/** A decaying 220 Hz tone with a few harmonics from 0.1 s, optionally with a 2-8 kHz burst train at its period. */
function tone(t60: number, rattle = 0, noise = 0): Float32Array {
  const rng = new Rng(3);
  const x = new Float32Array(2 * SR);
  const k = Math.log(1000) / t60;
  const period = Math.round(SR / 220);
  for (let i = Math.round(ONSET * SR); i < x.length; i++) {
    const t = i / SR - ONSET;
    const env = Math.exp(-k * t);
    let v = 0;
    for (let h = 1; h <= 5; h++) v += Math.sin(2 * Math.PI * 220 * h * t) / h;
    // Rattle: a short alternating click at the start of every period (pitch-synchronous, energy above 2 kHz).
    const inPeriod = (i - Math.round(ONSET * SR)) % period;
    if (rattle > 0 && inPeriod < 4) v += rattle * (inPeriod % 2 === 0 ? 1 : -1);
    if (noise > 0) v += noise * (2 * rng.next() - 1);
    x[i] = 0.3 * env * v;
  }
  return x;
}

describe('noteSignature', () => {
  it('measures decay times and the body level of an exponential decay', () => {
    const s = noteSignature(tone(1.5), { onsetSec: ONSET });
    // -20 dB at T60/3, -40 dB at 2 T60/3 (10 ms frames).
    expect(s.decay20Sec).toBeGreaterThan(0.45);
    expect(s.decay20Sec).toBeLessThan(0.56);
    expect(s.decay40Sec).toBeGreaterThan(0.95);
    expect(s.decay40Sec).toBeLessThan(1.06);
    // Body (0.1-0.5 s) vs attack (0-50 ms): the mean of a 40 dB/s decay over those spans, about -11 dB.
    expect(s.bodyVsAttackDb).toBeLessThan(-8);
    expect(s.bodyVsAttackDb).toBeGreaterThan(-14);
    expect(s.sizzleDb).toHaveLength(SIGNATURE_WINDOWS.length);
  });

  it('finds the onset by energy rise when not given', () => {
    expect(noteSignature(tone(1)).onsetSec).toBeCloseTo(ONSET, 2);
  });

  it('sees a pitch-synchronous rattle as sizzle with high periodicity, and hiss as flat but aperiodic', () => {
    const clean = noteSignature(tone(1.5), { onsetSec: ONSET });
    const rattle = noteSignature(tone(1.5, 0.5), { onsetSec: ONSET });
    const hiss = noteSignature(tone(1.5, 0, 0.3), { onsetSec: ONSET });
    for (let w = 0; w < 4; w++) expect(rattle.sizzleDb[w]).toBeGreaterThan(clean.sizzleDb[w] + 10);
    expect(rattle.sizzlePeriodicity).toBeGreaterThan(0.8);
    expect(hiss.sizzlePeriodicity).toBeLessThan(0.5);
    expect(hiss.flatness[2]).toBeGreaterThan(10 * clean.flatness[2]);
    expect(rattle.centroidHz).toBeGreaterThan(clean.centroidHz);
  });
});
