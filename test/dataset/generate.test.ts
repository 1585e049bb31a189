import { CLASSES, SAMPLE_RATE } from '../../shared/constants';
import { manifestClipOf, mixSoundfontContext, planDataset, renderSynthClip, SOUNDFONT_MUTED_MAX_MIDI, SOUNDFONT_SHIFT } from '../../shared/dataset/generate';

describe('planDataset', () => {
  it('balances the classes, keeps the soundfont out of buzzy and sizes synth groups 10-30', () => {
    const plan = planDataset({ size: 600, seed: 5, sources: ['synth', 'soundfont'] });
    expect(plan.clips).toHaveLength(600);
    for (const c of CLASSES) expect(plan.clips.filter((x) => x.label === c)).toHaveLength(200);
    const sf = plan.clips.filter((c) => c.source === 'soundfont');
    expect(sf.filter((c) => c.label === 'clean')).toHaveLength(50);
    expect(sf.filter((c) => c.label === 'muted')).toHaveLength(50);
    expect(sf.some((c) => c.label === 'buzzy')).toBe(false);
    for (const c of sf) {
      expect(c.group).toMatch(/^soundfont-p2[4-8]/);
      if (c.soundfont!.program === 28) expect(c.soundfont!.midi).toBeLessThanOrEqual(SOUNDFONT_MUTED_MAX_MIDI);
      expect(c.soundfont!.velocity).toBeGreaterThanOrEqual(1);
      // Pitch shift by resampling, within +-3 semitones; the clip's midi is the pitch heard.
      const shift = c.soundfont!.shiftSemitones ?? 0;
      expect(Math.abs(shift)).toBeLessThanOrEqual(SOUNDFONT_SHIFT.maxSemitones);
      expect(c.midi).toBe(Math.round(c.soundfont!.midi + shift));
    }
    const shifted = sf.filter((c) => c.soundfont!.shiftSemitones !== 0).length;
    expect(shifted).toBeGreaterThan(0.4 * sf.length);
    expect(shifted).toBeLessThan(0.8 * sf.length);
    const sizes = new Map<string, number>();
    for (const c of plan.clips.filter((x) => x.source === 'synth')) sizes.set(c.group, (sizes.get(c.group) ?? 0) + 1);
    for (const n of sizes.values()) {
      expect(n).toBeGreaterThanOrEqual(10);
      expect(n).toBeLessThanOrEqual(40); // the last group absorbs a would-be runt
    }
    // Every clip of a group shares the group's instrument.
    const byGroup = new Map<string, unknown>();
    for (const c of plan.clips.filter((x) => x.note)) {
      if (byGroup.has(c.group)) expect(c.note!.instrument).toEqual(byGroup.get(c.group));
      else byGroup.set(c.group, c.note!.instrument);
    }
  });

  it('splits by group: disjoint, every split holds every class, ~70/15/15 of groups', () => {
    const plan = planDataset({ size: 1500, seed: 9, sources: ['synth', 'soundfont'] });
    const splitOf = new Map<string, string>();
    for (const c of plan.clips) {
      const split = plan.groups[c.group].split;
      if (splitOf.has(c.group)) expect(splitOf.get(c.group)).toBe(split);
      splitOf.set(c.group, split);
    }
    for (const source of ['synth', 'soundfont'] as const) {
      for (const split of ['train', 'validation', 'test']) {
        const labels = new Set(plan.clips.filter((c) => c.source === source && plan.groups[c.group].split === split).map((c) => c.label));
        expect(labels.size).toBe(source === 'synth' ? 3 : 2);
      }
    }
    const synthGroups = Object.values(plan.groups).filter((g) => g.source === 'synth');
    const share = (s: string) => synthGroups.filter((g) => g.split === s).length / synthGroups.length;
    expect(share('train')).toBeGreaterThan(0.6);
    expect(share('validation')).toBeGreaterThan(0.1);
    expect(share('test')).toBeGreaterThan(0.1);
  });

  it('is deterministic by seed, independent of augmentation being on', () => {
    const a = planDataset({ size: 90, seed: 3, sources: ['synth'] });
    expect(planDataset({ size: 90, seed: 3, sources: ['synth'] })).toEqual(a);
    const noAug = planDataset({ size: 90, seed: 3, sources: ['synth'], augment: false });
    expect(noAug.clips.map((c) => c.note)).toEqual(a.clips.map((c) => c.note));
    expect(noAug.clips.every((c) => c.augmentSeed === null)).toBe(true);
    expect(planDataset({ size: 90, seed: 4, sources: ['synth'] }).clips.map((c) => c.note)).not.toEqual(a.clips.map((c) => c.note));
  });

  it('rejects bad options', () => {
    expect(() => planDataset({ size: 2, seed: 1, sources: ['synth'] })).toThrow(/size/);
    expect(() => planDataset({ size: 30, seed: 1.5, sources: ['synth'] })).toThrow(/seed/);
    expect(() => planDataset({ size: 30, seed: 1, sources: ['soundfont'] })).toThrow(/synth/);
    expect(() => planDataset({ size: 30, seed: 1, sources: ['bogus' as never] })).toThrow(/sources/);
    expect(() => planDataset({ size: 30, seed: 1, sources: ['synth'], soundfontShare: 1 })).toThrow(/soundfontShare/);
  });
});

describe('clips with neighbouring notes (context)', () => {
  const plan = planDataset({ size: 300, seed: 21, sources: ['synth'], contextShare: 0.5 });
  const withContext = plan.clips.filter((c) => c.context);

  it('gives about contextShare of the synth clips neighbours on the same guitar, inside the clip window', () => {
    expect(withContext.length / plan.clips.length).toBeGreaterThan(0.4);
    expect(withContext.length / plan.clips.length).toBeLessThan(0.6);
    for (const clip of withContext) {
      expect(clip.context!.length).toBeGreaterThan(0);
      for (const c of clip.context!) {
        expect(c.note.instrument).toEqual(clip.note!.instrument);
        expect(c.offsetSec).toBeGreaterThan(-1.51);
        expect(c.offsetSec).toBeLessThan(1.9);
        expect(Math.abs(c.offsetSec)).toBeGreaterThanOrEqual(0.12);
        expect(c.note.levelDb).toBeLessThanOrEqual(-1);
      }
    }
    // Fast neighbours (gaps down to 0.12 s) and notes ringing in from before both occur.
    const offsets = withContext.flatMap((c) => c.context!.map((n) => n.offsetSec));
    expect(offsets.some((o) => o > 0 && o < 0.3)).toBe(true);
    expect(offsets.some((o) => o < 0)).toBe(true);
    // Neighbours from 15 dB softer to 15 dB louder than the clip's note (as consecutive notes of a take differ),
    // unless the louder one would pass -1 dBFS.
    const relative = withContext.flatMap((c) => c.context!.filter((n) => n.note.levelDb < -1).map((n) => n.note.levelDb - c.note!.levelDb));
    expect(Math.min(...relative)).toBeGreaterThanOrEqual(-15 - 1e-9);
    expect(Math.max(...relative)).toBeLessThanOrEqual(15 + 1e-9);
    expect(relative.filter((r) => r > 6).length).toBeGreaterThan(0.2 * relative.length);
    expect(planDataset({ size: 300, seed: 21, sources: ['synth'], contextShare: 0 }).clips.some((c) => c.context)).toBe(false);
    expect(() => planDataset({ size: 30, seed: 1, sources: ['synth'], contextShare: 1.5 })).toThrow(/contextShare/);
  });

  it('leaves the clip notes themselves as they are without context, and records the neighbours in the manifest', () => {
    const isolated = planDataset({ size: 300, seed: 21, sources: ['synth'], contextShare: 0 });
    expect(plan.clips.map((c) => c.note)).toEqual(isolated.clips.map((c) => c.note));
    const clip = withContext.find((c) => c.context!.some((n) => n.offsetSec > 0.3 && n.note.stringIndex !== c.note!.stringIndex))!;
    const entry = manifestClipOf(clip, 'train', []);
    expect((entry.params as { context: unknown[] }).context).toHaveLength(clip.context!.length);
    // Rendering: the neighbour is heard after its onset (more energy than the isolated note there), not before.
    const alone = renderSynthClip(isolated.clips[clip.index]);
    const mixed = renderSynthClip(clip);
    const pre = Math.round(0.1 * SAMPLE_RATE);
    const later = clip.context!.filter((n) => n.offsetSec > 0).map((n) => pre + Math.round(n.offsetSec * SAMPLE_RATE));
    const firstAfter = Math.min(...later);
    const before = clip.context!.some((n) => n.offsetSec < 0);
    if (!before) expect(Array.from(mixed.subarray(0, firstAfter))).toEqual(Array.from(alone.subarray(0, firstAfter)));
    expect(mixed.length).toBe(alone.length);
    const energy = (x: Float32Array) => x.subarray(firstAfter, firstAfter + 2205).reduce((s, v) => s + v * v, 0);
    expect(energy(mixed)).not.toBeCloseTo(energy(alone), 6);
  });
});

describe("neighbours before the onset: a run of notes (contextBefore 'run')", () => {
  const options = { size: 600, seed: 21, sources: ['synth', 'soundfont'] as const, contextShare: 0.8, soundfontContextShare: 0.8 };
  const note = planDataset(options);
  const run = planDataset({ ...options, contextBefore: 'run' });
  const neighbours = (c: (typeof run.clips)[number]) => c.context ?? c.soundfontContext ?? [];
  const beforeOffsets = (c: (typeof run.clips)[number]) => neighbours(c).map((n) => n.offsetSec).filter((o) => o < 0);

  it("keeps at most one note ringing in by default, as every earlier dataset", () => {
    expect(planDataset({ ...options, contextBefore: 'note' })).toEqual(note);
    expect(Math.max(...note.clips.map((c) => beforeOffsets(c).length))).toBe(1);
  });

  it('plays a run before the onset, with a take\'s gaps, reaching back at most 3 s, for both sources', () => {
    for (const source of ['synth', 'soundfont']) {
      const runs = run.clips.filter((c) => c.source === source).map(beforeOffsets).filter((o) => o.length > 0);
      expect(runs.length).toBeGreaterThan(0);
      for (const offsets of runs) {
        expect(offsets.length).toBeGreaterThanOrEqual(2);
        const times = [0, ...offsets]; // newest first: the clip's own onset, then back in time
        for (let i = 1; i < times.length; i++) expect(times[i - 1] - times[i]).toBeGreaterThanOrEqual(0.12 - 1e-9);
        expect(offsets[offsets.length - 1]).toBeGreaterThan(-3);
      }
      // A take's runs: three or more notes before the onset is common (where default-15 heard mutes as clean).
      expect(runs.filter((o) => o.length >= 3).length).toBeGreaterThan(runs.length / 2);
    }
  });

  it('changes only the neighbours: the clip notes, splits and which clips have neighbours stay', () => {
    const strip = (p: typeof run) => p.clips.map(({ context: _a, soundfontContext: _b, ...rest }) => rest);
    expect(strip(run)).toEqual(strip(note));
    expect(run.groups).toEqual(note.groups);
    expect(run.clips.map((c) => neighbours(c).length > 0)).toEqual(note.clips.map((c) => neighbours(c).length > 0));
    expect(() => planDataset({ ...options, contextBefore: 'chord' as 'run' })).toThrow(/contextBefore/);
  });
});

describe('soundfont clips with neighbouring recorded notes', () => {
  const options = { size: 900, seed: 21, sources: ['synth', 'soundfont'] as const };
  const plan = planDataset({ ...options, soundfontContextShare: 0.5 });
  const sf = plan.clips.filter((c) => c.source === 'soundfont');
  const splitOf = (index: number) => plan.groups[plan.clips[index].group].split;

  it('gives about that share of the soundfont clips neighbours, only from their own split, and changes nothing else', () => {
    const withContext = sf.filter((c) => c.soundfontContext);
    expect(withContext.length / sf.length).toBeGreaterThan(0.35);
    expect(withContext.length / sf.length).toBeLessThan(0.65);
    for (const clip of withContext) {
      for (const n of clip.soundfontContext!) {
        expect(n.partner).not.toBe(clip.index);
        expect(plan.clips[n.partner].source).toBe('soundfont');
        expect(n.partnerFile).toBe(plan.clips[n.partner].file);
        // A held-out clip never hears training audio, and the reverse.
        expect(splitOf(n.partner)).toBe(splitOf(clip.index));
        expect(Math.abs(n.offsetSec)).toBeGreaterThanOrEqual(0.12);
        expect(n.offsetSec).toBeLessThan(1.9);
      }
    }
    const plain = planDataset({ ...options });
    expect(plain.clips.some((c) => c.soundfontContext)).toBe(false);
    expect(plain.clips.map(({ soundfontContext: _c, ...rest }) => rest)).toEqual(plan.clips.map(({ soundfontContext: _c, ...rest }) => rest));
    expect(() => planDataset({ ...options, soundfontContextShare: -0.1 })).toThrow(/soundfontContextShare/);
    const clip = withContext[0];
    expect((manifestClipOf(clip, 'train', []).params as { context: unknown[] }).context).toEqual(clip.soundfontContext);
  });

  it('mixes each neighbour at its offset and relative level, fading its end, and keeps the clip note as it was', () => {
    const pre = Math.round(0.1 * SAMPLE_RATE);
    const tone = (f: number) => Float32Array.from({ length: 2 * SAMPLE_RATE }, (_, i) => (i < pre ? 0 : 0.5 * Math.sin((2 * Math.PI * f * (i - pre)) / SAMPLE_RATE) * Math.exp(-(i - pre) / SAMPLE_RATE)));
    const own = tone(220);
    const partner = tone(330);
    const clip = { ...sf[0], soundfontContext: [{ partner: 1, partnerFile: 'x.wav', offsetSec: 0.5, relativeDb: -6 }] };
    const mixed = mixSoundfontContext(clip, own, () => partner);
    const at = pre + Math.round(0.5 * SAMPLE_RATE);
    // Untouched before the neighbour's attack (its render is silent for 0.1 s before it), then own + partner * gain.
    expect(Array.from(mixed.subarray(0, at))).toEqual(Array.from(own.subarray(0, at)));
    const gain = 10 ** (-6 / 20); // both peaks 0.5
    for (const i of [at + 10, at + 5000]) expect(mixed[i]).toBeCloseTo(own[i] + gain * partner[i - Math.round(0.5 * SAMPLE_RATE)], 5);
    // A neighbour from before: its render's end falls inside the clip and fades to zero there, no step.
    const early = mixSoundfontContext({ ...clip, soundfontContext: [{ ...clip.soundfontContext[0], offsetSec: -0.5 }] }, own, () => partner);
    const end = partner.length - Math.round(0.5 * SAMPLE_RATE); // one past the partner's last sample in the clip
    expect(Math.abs(early[end - 1] - own[end - 1])).toBeLessThan(1e-6);
    expect(early[end]).toBe(own[end]);
    expect(mixSoundfontContext(sf.find((c) => !c.soundfontContext)!, own, () => partner)).toBe(own);
  });
});
