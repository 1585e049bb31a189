/**
 * The buzz and mute signatures of the synthesiser, measured with shared/synth/signature.ts over several seeds:
 * a buzzy note keeps the level of the same note without buzz and carries a pitch-synchronous sizzle (whole
 * note, attack only, or tail only); palm mutes span light (pitched, ringing) to heavy (thud), and a share of them
 * are held at a dark level; dead notes are gone at once; damped notes are choked right after the attack; short
 * clean and buzzy notes ring (and buzz), then stop.
 */
import { PRE_ONSET_SECONDS, SAMPLE_RATE } from '../../shared/constants';
import { Rng } from '../../shared/rng';
import { BuzzExtent, DAMPED_AT_SEC, NoteParams, PALM_T60_SEC, sampleNoteParams, SHORT_NOTE_SHARE, SHORT_NOTE_STOP_SEC, SUSTAINED_PALM_SHARE, SUSTAINED_PALM_T60_SEC, synthesizeNote, TWO_STAGE_FAST_T60_SEC, TWO_STAGE_PLATEAU_DB, TWO_STAGE_SHARE } from '../../shared/synth/note';
import { applyBiquad, designBiquad } from '../../shared/synth/filters';
import { noteSignature, NoteSignature } from '../../shared/synth/signature';
import { autocorrelationPitch, cents, median } from './acoustics';

const SR = SAMPLE_RATE;
const ONSET = Math.round(PRE_ONSET_SECONDS * SR);
const SEEDS = Array.from({ length: 16 }, (_, i) => 2000 + i);

/** Without room and noise floor, so the measures see the note itself. */
function dry(p: NoteParams): NoteParams {
  return { ...p, instrument: { ...p.instrument, noiseFloorDb: -200, room: { ...p.instrument.room, wet: 0 } } };
}

function sig(x: Float32Array): NoteSignature {
  return noteSignature(x, { onsetSec: PRE_ONSET_SECONDS });
}

function rmsDb(x: Float32Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i] * x[i];
  return 10 * Math.log10(s / (to - from));
}

/** Level of the 2 kHz+ band (4th-order high-pass) over [from, to), dB. */
function bandDb(x: Float32Array, from: number, to: number): number {
  const hp = x.slice();
  const design = designBiquad({ kind: 'highpass', freq: 2000, q: 0.7 }, SR);
  applyBiquad(hp, design);
  applyBiquad(hp, design);
  return rmsDb(hp, from, to);
}

interface BuzzPair {
  params: NoteParams;
  buzzy: Float32Array;
  clean: Float32Array;
  /** Per signature window: sizzle-band share of the buzzy note minus the clean note's, dB. */
  excess: number[];
}

function buzzPair(seed: number, extent: BuzzExtent): BuzzPair {
  const params = dry(sampleNoteParams({ label: 'buzzy', rng: new Rng(seed), buzzExtent: extent }));
  const same: NoteParams = { ...params, label: 'clean', variant: 'ring', barrier: null, buzz: null };
  const buzzy = synthesizeNote(params), clean = synthesizeNote(same);
  const b = sig(buzzy), c = sig(clean);
  return { params, buzzy, clean, excess: b.sizzleDb.map((v, w) => v - c.sizzleDb[w]) };
}

const pairs: Record<BuzzExtent, BuzzPair[]> = { full: [], attack: [], tail: [] };
beforeAll(() => {
  for (const extent of ['full', 'attack', 'tail'] as const) pairs[extent] = SEEDS.map((s) => buzzPair(s, extent));
});

describe('fret buzz', () => {
  it('keeps the level of the same note without buzz (attack and body within 3 dB)', () => {
    for (const extent of ['full', 'attack', 'tail'] as const) {
      for (const { buzzy, clean } of pairs[extent]) {
        expect(Math.abs(rmsDb(buzzy, ONSET, ONSET + 0.05 * SR) - rmsDb(clean, ONSET, ONSET + 0.05 * SR))).toBeLessThan(3);
        expect(Math.abs(rmsDb(buzzy, ONSET + 0.1 * SR, ONSET + 0.5 * SR) - rmsDb(clean, ONSET + 0.1 * SR, ONSET + 0.5 * SR))).toBeLessThan(3);
      }
    }
  });

  it('a full buzz lifts the 2-8 kHz band over a substantial part of the note', () => {
    // Windows 0.05-0.2, 0.2-0.5, 0.5-1.0 s: the buzz is there in most of them.
    const strongest = pairs.full.map((p) => Math.max(...p.excess.slice(1, 4)));
    const windowsWithBuzz = pairs.full.map((p) => p.excess.slice(1, 4).filter((e) => e > 2).length);
    expect(median(strongest)).toBeGreaterThan(6);
    expect(strongest.filter((e) => e > 2).length).toBeGreaterThanOrEqual(0.8 * SEEDS.length);
    expect(median(windowsWithBuzz)).toBeGreaterThanOrEqual(2);
  });

  it('the rattle is pitch-synchronous: its envelope repeats at a pitch period', () => {
    const periodicity = pairs.full.map(({ buzzy, clean }) => {
      // The rattle alone: the buzzy note minus its best-fitting clean note (the string itself is the same).
      let bc = 0, cc = 0;
      for (let i = 0; i < buzzy.length; i++) {
        bc += buzzy[i] * clean[i];
        cc += clean[i] * clean[i];
      }
      const a = bc / cc;
      return sig(buzzy.map((v, i) => v - a * clean[i])).sizzlePeriodicity;
    });
    expect(median(periodicity)).toBeGreaterThan(0.8);
    // Control: the same measure on noise is low.
    const rng = new Rng(1);
    const noise = new Float32Array(2 * SR).map((_, i) => (i >= ONSET ? 0.1 * (2 * rng.next() - 1) : 0));
    expect(sig(noise).sizzlePeriodicity).toBeLessThan(0.3);
  });

  it('an attack-only buzz stops early: sizzle in the first 0.2 s, none after 0.5 s', () => {
    const early = pairs.attack.map((p) => Math.max(p.excess[0], p.excess[1]));
    expect(early.filter((e) => e > 1).length).toBeGreaterThanOrEqual(0.75 * SEEDS.length);
    for (const p of pairs.attack) {
      expect(p.excess[3]).toBeLessThan(0.5);
      expect(p.excess[4]).toBeLessThan(0.5);
    }
  });

  it('a tail buzz starts later: nothing in the first 0.2 s, sizzle afterwards', () => {
    for (const p of pairs.tail) {
      expect(p.excess[0]).toBeLessThan(0.5);
      expect(p.excess[1]).toBeLessThan(0.5);
    }
    const late = pairs.tail.map((p) => Math.max(...p.excess.slice(2)));
    expect(late.filter((e) => e > 2).length).toBeGreaterThanOrEqual(0.75 * SEEDS.length);
  });

  it('a full buzz fades: the sizzle share falls from the early body to the late body', () => {
    let fading = 0;
    for (const { buzzy } of pairs.full) {
      const s = sig(buzzy);
      if (s.sizzleDb[1] > s.sizzleDb[3]) fading++;
    }
    expect(fading).toBeGreaterThanOrEqual(0.75 * SEEDS.length);
  });

  it('is deterministic by seed', () => {
    const a = synthesizeNote(sampleNoteParams({ label: 'buzzy', rng: new Rng(5), buzzExtent: 'tail' }));
    const b = synthesizeNote(sampleNoteParams({ label: 'buzzy', rng: new Rng(5), buzzExtent: 'tail' }));
    expect(b).toEqual(a);
  });
});

describe('muted notes', () => {
  const palm = Array.from({ length: 40 }, (_, i) => dry(sampleNoteParams({ label: 'muted', rng: new Rng(3000 + i), variant: 'palm-mute', sustainedPalmMute: false })));
  const palmSigs = palm.map((p) => sig(synthesizeNote(p)));

  it('palm mutes range from a heavy thud to a light mute that still rings', () => {
    const d20 = palmSigs.map((s) => s.decay20Sec);
    expect(Math.min(...d20)).toBeLessThan(0.05);
    expect(Math.max(...d20)).toBeGreaterThan(0.25);
    expect(Math.max(...d20)).toBeLessThan(0.9);
    expect(median(d20)).toBeGreaterThan(0.06);
    expect(median(d20)).toBeLessThan(0.25);
  });

  it('light palm mutes are still pitched', () => {
    const light = palm.filter((p) => p.t60 >= 0.6);
    expect(light.length).toBeGreaterThanOrEqual(5);
    let pitched = 0;
    for (const p of light) {
      const { hz } = autocorrelationPitch(synthesizeNote(p), ONSET + 0.05 * SR, 2048);
      if (Math.abs(cents(hz, p.f0)) < 30) pitched++;
    }
    expect(pitched).toBeGreaterThanOrEqual(0.8 * light.length);
  });

  it('palm mutes are darker than the same note ringing', () => {
    let darker = 0;
    palm.forEach((p, i) => {
      const ring: NoteParams = { ...p, label: 'clean', variant: 'ring', t60: 3, t60High: 0.6, palmLowpassHz: null, palmAttackSec: null };
      if (palmSigs[i].centroidHz < sig(synthesizeNote(ring)).centroidHz) darker++;
    });
    expect(darker).toBeGreaterThanOrEqual(0.85 * palm.length);
  });

  it('about 30 % of palm mutes are sustained (T60 past every decaying mute\'s)', () => {
    let sustained = 0;
    for (let s = 0; s < 600; s++) {
      const p = sampleNoteParams({ label: 'muted', rng: new Rng(9000 + s), variant: 'palm-mute' });
      if (p.t60 >= SUSTAINED_PALM_T60_SEC.min) sustained++;
      else expect(p.t60).toBeLessThanOrEqual(PALM_T60_SEC.max);
    }
    expect(Math.abs(sustained / 600 - SUSTAINED_PALM_SHARE)).toBeLessThan(0.06);
    expect(() => sampleNoteParams({ label: 'muted', rng: new Rng(1), variant: 'dead-note', sustainedPalmMute: true })).toThrow(/sustainedPalmMute/);
  });

  it('a sustained palm mute holds its level (body within 12 dB of the attack, -20 dB after 0.5 s or later), dark, unlike the same mute decaying', () => {
    let held = 0, darker = 0;
    palm.forEach((decaying, i) => {
      const p = dry(sampleNoteParams({ label: 'muted', rng: new Rng(3000 + i), variant: 'palm-mute', sustainedPalmMute: true }));
      // Only the decay and (at most) the palm's corner differ from the decaying twin.
      expect({ ...p, t60: 0, t60High: 0, palmLowpassHz: 0 }).toEqual({ ...decaying, t60: 0, t60High: 0, palmLowpassHz: 0 });
      expect(p.palmLowpassHz!).toBeLessThanOrEqual(Math.max(decaying.palmLowpassHz!, 1.5 * decaying.f0) + 1e-9);
      const s = sig(synthesizeNote(p));
      if (s.bodyVsAttackDb > -12 && s.decay20Sec > 0.5 && s.decay20Sec > 2 * palmSigs[i].decay20Sec) held++;
      const ring: NoteParams = { ...p, label: 'clean', variant: 'ring', palmLowpassHz: null, palmAttackSec: null };
      if (s.centroidHz < sig(synthesizeNote(ring)).centroidHz) darker++;
    });
    expect(held).toBeGreaterThanOrEqual(0.85 * palm.length);
    expect(darker).toBeGreaterThanOrEqual(0.9 * palm.length);
  });

  it('dead notes are gone within 0.25 s (-40 dB)', () => {
    for (const s of SEEDS) {
      const p = dry(sampleNoteParams({ label: 'muted', rng: new Rng(s), variant: 'dead-note' }));
      expect(sig(synthesizeNote(p)).decay40Sec).toBeLessThan(0.25);
    }
  });

  it('damped notes are choked within 0.12 s of the attack, at full level until then', () => {
    for (const s of SEEDS) {
      const p = dry(sampleNoteParams({ label: 'muted', rng: new Rng(s), variant: 'damped' }));
      const { atSec } = p.damping!;
      const ring: NoteParams = { ...p, label: 'clean', variant: 'ring', damping: null };
      const x = synthesizeNote(p), y = synthesizeNote(ring);
      // Before the touch: the same note at the same level.
      const a = ONSET + Math.round(0.005 * SR), b = ONSET + Math.round(atSec * SR);
      expect(Math.abs(rmsDb(x, a, b) - rmsDb(y, a, b))).toBeLessThan(0.5);
      expect(atSec).toBeGreaterThanOrEqual(DAMPED_AT_SEC.min);
      expect(atSec).toBeLessThanOrEqual(DAMPED_AT_SEC.max);
      const sx = sig(x), sy = sig(y);
      expect(sx.decay40Sec).toBeLessThan(atSec + 0.4);
      expect(sy.decay40Sec).toBeGreaterThan(sx.decay40Sec + 0.3);
    }
  });
});

describe('short clean and buzzy notes', () => {
  it('about a quarter of clean and buzzy notes are stopped after they rang; muted notes never are', () => {
    for (const label of ['clean', 'buzzy'] as const) {
      const stops = Array.from({ length: 400 }, (_, s) => sampleNoteParams({ label, rng: new Rng(5000 + s) }).damping);
      const share = stops.filter((d) => d !== null).length / stops.length;
      expect(share).toBeGreaterThan(SHORT_NOTE_SHARE - 0.06);
      expect(share).toBeLessThan(SHORT_NOTE_SHARE + 0.06);
    }
    expect(() => sampleNoteParams({ label: 'muted', rng: new Rng(1), shortNote: true })).toThrow(/shortNote/);
  });

  it('a short note rings as the same free note until the stop (0.15-0.6 s), then dies away', () => {
    for (const s of SEEDS) {
      const p = dry(sampleNoteParams({ label: 'clean', rng: new Rng(s), shortNote: true, twoStageDecay: false }));
      const free = dry(sampleNoteParams({ label: 'clean', rng: new Rng(s), shortNote: false, twoStageDecay: false }));
      const { atSec } = p.damping!;
      expect(atSec).toBeGreaterThanOrEqual(SHORT_NOTE_STOP_SEC.min);
      expect(atSec).toBeLessThanOrEqual(SHORT_NOTE_STOP_SEC.max);
      // Every other parameter is the free note's.
      expect({ ...p, damping: null }).toEqual(free);
      const x = synthesizeNote(p), y = synthesizeNote(free);
      const a = ONSET + Math.round(0.01 * SR), b = ONSET + Math.round(atSec * SR);
      expect(Math.abs(rmsDb(x, a, b) - rmsDb(y, a, b))).toBeLessThan(0.5);
      // Longer than a choked (muted) note; 0.2-0.4 s after the stop far under the free note.
      const sx = sig(x);
      expect(sx.decay40Sec).toBeGreaterThan(DAMPED_AT_SEC.max);
      expect(sx.decay40Sec).toBeLessThan(atSec + 0.4);
      const c = ONSET + Math.round((atSec + 0.2) * SR), d = ONSET + Math.round((atSec + 0.4) * SR);
      expect(rmsDb(x, c, d)).toBeLessThan(rmsDb(y, c, d) - 15);
    }
  });

  it('a short buzzy note buzzes before it is stopped, also when its buzz is only in the tail', () => {
    for (const extent of ['full', 'tail'] as const) {
      const excess: number[] = [];
      for (const s of SEEDS.slice(0, 8)) {
        const p = dry(sampleNoteParams({ label: 'buzzy', rng: new Rng(s), shortNote: true, buzzExtent: extent }));
        const { atSec } = p.damping!;
        if (extent === 'tail') expect(atSec).toBeGreaterThanOrEqual(p.barrier!.startSec + 0.5 - 1e-9);
        // The sizzle band (2-8 kHz) is louder than the same short note's without the fret contact, before the stop.
        const clean: NoteParams = { ...p, label: 'clean', variant: 'ring', barrier: null, buzz: null };
        const from = ONSET + Math.round((extent === 'tail' ? p.barrier!.startSec + 0.3 : 0.02) * SR), to = ONSET + Math.round(atSec * SR);
        excess.push(bandDb(synthesizeNote(p), from, to) - bandDb(synthesizeNote(clean), from, to));
      }
      expect(Math.min(...excess)).toBeGreaterThan(1);
      expect(median(excess)).toBeGreaterThan(2.5);
    }
  });
});

describe('two-stage decay', () => {
  it('a loud prompt sound falls to the plateau, then the note rings on as before at that level', () => {
    const shares = { clean: 0, buzzy: 0 };
    for (const label of ['clean', 'buzzy'] as const) {
      for (let s = 0; s < 400; s++) if (sampleNoteParams({ label, rng: new Rng(7000 + s) }).twoStageDecay) shares[label] += 1 / 400;
      expect(Math.abs(shares[label] - TWO_STAGE_SHARE)).toBeLessThan(0.06);
    }
    expect(() => sampleNoteParams({ label: 'muted', rng: new Rng(1), twoStageDecay: true })).toThrow(/twoStageDecay/);
    for (const s of SEEDS.slice(0, 10)) {
      const p = dry(sampleNoteParams({ label: 'clean', rng: new Rng(s), shortNote: false, twoStageDecay: true }));
      const { plateauDb, fastT60 } = p.twoStageDecay!;
      expect(plateauDb).toBeGreaterThanOrEqual(TWO_STAGE_PLATEAU_DB.min);
      expect(plateauDb).toBeLessThanOrEqual(TWO_STAGE_PLATEAU_DB.max);
      expect(fastT60).toBeGreaterThanOrEqual(TWO_STAGE_FAST_T60_SEC.min);
      expect(fastT60).toBeLessThanOrEqual(TWO_STAGE_FAST_T60_SEC.max);
      const x = synthesizeNote(p), y = synthesizeNote({ ...p, twoStageDecay: null });
      // Same attack (both are scaled to the note's peak) ...
      const a = ONSET, b = ONSET + Math.round(0.02 * SR);
      expect(Math.abs(rmsDb(x, a, b) - rmsDb(y, a, b))).toBeLessThan(1.5);
      // ... and once the prompt sound has died (> 0.9 T60 after the attack: < -54 dB), the plateau under the one-stage note.
      const c = ONSET + Math.round(Math.max(0.9 * fastT60, 0.3) * SR), d = c + Math.round(0.2 * SR);
      expect(Math.abs(rmsDb(x, c, d) - rmsDb(y, c, d) - plateauDb)).toBeLessThan(2);
      expect(sig(x).bodyVsAttackDb).toBeLessThan(sig(y).bodyVsAttackDb - 4);
    }
  });
});
