import { CLIP_SAMPLES, PRE_ONSET_SECONDS, SAMPLE_RATE } from '../../shared/constants';
import { Rng } from '../../shared/rng';
import { MAX_MIDI, MIN_MIDI, midiToHz, NoteParams, OPEN_STRINGS, sampleNoteParams, synthesizeNote } from '../../shared/synth/note';
import { autocorrelationPitch, cents, decaySeconds, highFrequencyShareDb, median, pitchOffsetCents } from './acoustics';

const ONSET = Math.round(PRE_ONSET_SECONDS * SAMPLE_RATE);
const SEEDS = Array.from({ length: 20 }, (_, i) => 1000 + i);

/** The same note without room and noise floor, so the measurements see the string, body and microphone only. */
function dry(p: NoteParams): NoteParams {
  return { ...p, instrument: { ...p.instrument, noiseFloorDb: -200, room: { ...p.instrument.room, wet: 0 } } };
}

function sample(label: 'clean' | 'buzzy' | 'muted', seed: number, extra: Partial<Parameters<typeof sampleNoteParams>[0]> = {}): NoteParams {
  return dry(sampleNoteParams({ label, rng: new Rng(seed), ...extra }));
}

describe('sampleNoteParams', () => {
  it('is deterministic by seed and covers E2..E6 on a playable string and fret', () => {
    expect(sampleNoteParams({ label: 'buzzy', rng: new Rng(7) })).toEqual(sampleNoteParams({ label: 'buzzy', rng: new Rng(7) }));
    const midis = new Set<number>();
    for (let s = 0; s < 300; s++) {
      const p = sampleNoteParams({ label: 'clean', rng: new Rng(s) });
      midis.add(p.midi);
      expect(p.midi).toBeGreaterThanOrEqual(MIN_MIDI);
      expect(p.midi).toBeLessThanOrEqual(MAX_MIDI);
      expect(OPEN_STRINGS[p.stringIndex] + p.fret).toBe(p.midi);
      expect(p.velocity).toBeGreaterThan(0);
      expect(p.velocity).toBeLessThanOrEqual(1);
    }
    expect(Math.min(...midis)).toBe(40);
    expect(Math.max(...midis)).toBe(88);
    expect(midis.size).toBeGreaterThan(40);
  });

  it('gives each class its own sub-variants', () => {
    const variants = new Set<string>();
    for (let s = 0; s < 40; s++) variants.add(sampleNoteParams({ label: 'muted', rng: new Rng(s) }).variant);
    expect([...variants].sort()).toEqual(['damped', 'dead-note', 'palm-mute']);
    expect(sampleNoteParams({ label: 'buzzy', rng: new Rng(1) }).barrier).not.toBeNull();
    expect(sampleNoteParams({ label: 'clean', rng: new Rng(1) }).barrier).toBeNull();
  });

  it('rejects bad input', () => {
    expect(() => sampleNoteParams({ label: 'loud' as never, rng: new Rng(1) })).toThrow(TypeError);
    expect(() => sampleNoteParams({ label: 'clean', rng: new Rng(1), midi: 39 })).toThrow(/midi/);
    expect(() => sampleNoteParams({ label: 'clean', rng: new Rng(1), midi: 60.5 })).toThrow(/midi/);
    expect(() => sampleNoteParams({ label: 'clean', rng: {} as Rng })).toThrow(TypeError);
    expect(() => sampleNoteParams({ label: 'clean', rng: new Rng(1), variant: 'dead-note' })).toThrow(/variant/);
    expect(() => sampleNoteParams({ label: 'clean', rng: new Rng(1), midi: 41, stringIndex: 5 })).toThrow(/playable/);
  });
});

describe('synthesizeNote', () => {
  it('renders a 2 s clip at 22050 Hz, silent before the 0.1 s onset apart from the noise floor, deterministic', () => {
    const p = sampleNoteParams({ label: 'clean', rng: new Rng(3) });
    const a = synthesizeNote(p);
    expect(a).toHaveLength(CLIP_SAMPLES);
    expect(synthesizeNote(p)).toEqual(a);
    let pre = 0, post = 0;
    for (let i = 0; i < ONSET; i++) pre = Math.max(pre, Math.abs(a[i]));
    for (let i = ONSET; i < ONSET + 2205; i++) post = Math.max(post, Math.abs(a[i]));
    expect(post).toBeGreaterThan(20 * pre);
    expect(post).toBeLessThan(1);
  });

  it('rejects parameters that place the onset outside the clip', () => {
    const p = sampleNoteParams({ label: 'clean', rng: new Rng(3) });
    expect(() => synthesizeNote({ ...p, onsetSec: 2.5 })).toThrow(TypeError);
    expect(() => synthesizeNote(null as never)).toThrow(TypeError);
  });

  it('clean notes ring at their pitch within a few cents (E2..E6)', () => {
    const offsets: number[] = [];
    for (const midi of [40, 45, 52, 57, 64, 69, 76, 81, 88]) {
      for (const seed of [1, 2]) {
        const p = sample('clean', seed * 100 + midi, { midi });
        const x = synthesizeNote(p);
        const c = pitchOffsetCents(x, ONSET + 441, 8192, p.f0);
        offsets.push(c);
        expect(Math.abs(c)).toBeLessThanOrEqual(3);
        // The tuning offset of the instrument is a few cents at most.
        expect(Math.abs(cents(p.f0, midiToHz(p.midi)))).toBeLessThanOrEqual(3);
      }
    }
    expect(offsets.length).toBe(18);
  });

  it('pitch is present for clean, buzzy and palm-muted notes (autocorrelation)', () => {
    const seeds = SEEDS.slice(0, 16);
    for (const label of ['clean', 'buzzy'] as const) {
      let ok = 0;
      for (const seed of seeds) {
        const p = sample(label, seed, { midi: 45 + (seed % 30) });
        const x = synthesizeNote(p);
        const { hz } = autocorrelationPitch(x, ONSET + 2205, 3072);
        if (Math.abs(cents(hz, p.f0)) < 30) ok++;
      }
      expect(ok).toBeGreaterThanOrEqual(seeds.length * 0.9);
    }
    let palm = 0;
    for (const seed of seeds) {
      const p = sample('muted', seed, { midi: 45 + (seed % 30), variant: 'palm-mute' });
      const x = synthesizeNote(p);
      const { hz } = autocorrelationPitch(x, ONSET + 220, 2048);
      if (Math.abs(cents(hz, p.f0)) < 30) palm++;
    }
    expect(palm).toBeGreaterThanOrEqual(seeds.length * 0.8);
  });

  it('muted notes decay much faster than clean ones; dead notes are gone within ~150 ms', () => {
    const clean = SEEDS.map((s) => decaySeconds(synthesizeNote(sample('clean', s, { shortNote: false, twoStageDecay: false })), ONSET));
    const palm = SEEDS.map((s) => decaySeconds(synthesizeNote(sample('muted', s, { variant: 'palm-mute', sustainedPalmMute: false })), ONSET));
    const dead = SEEDS.map((s) => decaySeconds(synthesizeNote(sample('muted', s, { variant: 'dead-note' })), ONSET, 30));
    // Light palm mutes still ring (T60 up to 1.5 s: about 1 s to -40 dB); most are far shorter.
    expect(Math.max(...palm)).toBeLessThan(1.2);
    expect(median(palm)).toBeLessThan(0.4);
    expect(Math.max(...dead)).toBeLessThan(0.2);
    expect(median(dead)).toBeLessThan(0.15);
    expect(median(clean)).toBeGreaterThan(4 * median(palm));
    expect(Math.min(...clean)).toBeGreaterThan(median(palm));
  });

  it('a palm-muted low string rings longer than a palm-muted high one, and still far shorter than ringing free', () => {
    const decay = (label: 'clean' | 'muted', midi: number) =>
      SEEDS.map((s) => decaySeconds(synthesizeNote(sample(label, s, { midi, ...(label === 'muted' ? { variant: 'palm-mute' as const, sustainedPalmMute: false } : { shortNote: false, twoStageDecay: false }) })), ONSET));
    const lowPalm = decay('muted', 40), highPalm = decay('muted', 76), lowClean = decay('clean', 40);
    expect(median(lowPalm)).toBeGreaterThan(1.5 * median(highPalm));
    expect(median(lowClean)).toBeGreaterThan(3 * median(lowPalm));
  });

  it('palm muting removes high-frequency energy from the same note (buzz: see buzz-mute.test.ts)', () => {
    const muteDiffs: number[] = [];
    for (const seed of SEEDS) {
      const m = sample('muted', seed, { variant: 'palm-mute' });
      const ring = { ...m, label: 'clean' as const, variant: 'ring' as const, t60: 3, t60High: 0.6, palmLowpassHz: null, palmAttackSec: null };
      // From 20 ms after the onset: the pick's bright attack (palmAttackSec <= 6 ms) is damped by then.
      const from = ONSET + 441;
      muteDiffs.push(highFrequencyShareDb(synthesizeNote(m), from, ONSET + 3300) - highFrequencyShareDb(synthesizeNote(ring), from, ONSET + 3300));
    }
    expect(muteDiffs.filter((d) => d < 0).length).toBeGreaterThanOrEqual(SEEDS.length * 0.85);
  });
});
