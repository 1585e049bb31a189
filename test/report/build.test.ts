import { loadAudio } from '../../shared/audio/load';
import { bytesSource } from '../../shared/audio/source';
import { openWavStream } from '../../shared/audio/stream';
import { encodeWav16 } from '../../shared/audio/encode';
import { CLIP_SAMPLES, SAMPLE_RATE } from '../../shared/constants';
import { onsetScores } from '../../shared/onsets/evaluate';
import { midiToHz, centsBetween } from '../../shared/pitch/notes';
import { ReportBuildError, StreamedAudio, buildTakeReport } from '../../shared/report/build';
import { DEFAULT_OVERLAP_POLICY, cutClip } from '../../shared/report/clips';
import { readTakeReport, REPORT_VERSION, ReportValidationError, TakeReport, validateTakeReport } from '../../shared/report/schema';
import { Rng } from '../../shared/rng';
import { synthesizeTake } from '../../shared/synth/take';
import { FakeClassifier } from './fake-classifier';

const SR = SAMPLE_RATE;
const take = synthesizeTake({ seconds: 24, seed: 31, condition: 'mixed' });
const audio = { sampleRate: 44100, durationSec: take.samples.length / SR, samples: take.samples };

function chunked(samples: Float32Array, seed: number): StreamedAudio {
  return {
    sampleRate: 44100,
    durationSec: samples.length / SR,
    async *chunks() {
      const rng = new Rng(seed);
      for (let i = 0; i < samples.length; ) {
        const n = rng.int(1, 50000);
        yield samples.slice(i, i + n);
        i += n;
      }
    },
  };
}

describe('buildTakeReport', () => {
  let report: TakeReport;
  const classifier = new FakeClassifier();

  beforeAll(async () => {
    report = await buildTakeReport({ source: 'take.wav', audio, classifier, batchSize: 16 });
  });

  it('returns a valid report with the required keys', () => {
    expect(validateTakeReport(report)).toBe(report);
    expect(report).toMatchObject({ format: 'buzzfinder-report', version: 2, source: 'take.wav', sampleRate: 44100, model: { name: 'fake', version: 'test-1' } });
    expect(report.durationSec).toBeCloseTo(24, 3);
    const n = report.notes[0];
    expect(Object.keys(n)).toEqual(expect.arrayContaining(['index', 'onsetSec', 'startSec', 'endSec', 'label', 'confidence', 'probabilities', 'pitch']));
    expect(report.summary.notes).toBe(report.notes.length);
    expect(report.summary.clean + report.summary.buzzy + report.summary.muted + report.summary.noNote).toBe(report.notes.length);
    expect(new Set(report.notes.map((x) => x.label)).size).toBeGreaterThan(1);
  });

  it('finds the notes of the take, with their pitch', () => {
    const truth = take.truth.notes;
    const s = onsetScores(report.notes.map((x) => x.onsetSec), truth.map((x) => x.onsetSec));
    expect(s.f1).toBeGreaterThanOrEqual(0.9); // per-condition numbers: test/onsets
    // Clean notes that were found: pitch within 50 cents for >= 90% (tighter numbers: test/pitch).
    let n = 0;
    let ok = 0;
    for (const t of truth.filter((x) => x.label === 'clean')) {
      const found = report.notes.find((x) => Math.abs(x.onsetSec - t.onsetSec) <= 0.05);
      if (!found) continue;
      n++;
      if (found.pitch && Math.abs(centsBetween(found.pitch.hz, midiToHz(t.midi))) <= 50) ok++;
    }
    expect(n).toBeGreaterThan(5);
    expect(ok / n).toBeGreaterThanOrEqual(0.9);
  });

  it('classifies every note once, in batches, with the clip cut by the default (keep) policy', () => {
    expect(classifier.calls.reduce((a, b) => a + b, 0)).toBe(report.notes.length);
    expect(classifier.calls.every((c) => c <= 16)).toBe(true);
    expect(classifier.calls.length).toBe(Math.ceil(report.notes.length / 16));
    const i = 3;
    const onset = Math.round(report.notes[i].onsetSec * SR);
    const next = Math.round(report.notes[i + 1].onsetSec * SR);
    expect(classifier.clips[i]).toEqual(cutClip({ source: take.samples, onsetSample: onset, nextOnsetSample: next, overlap: 'keep' }));
    expect(report.analysis).toMatchObject({ overlapPolicy: 'keep' });
    expect(DEFAULT_OVERLAP_POLICY).toBe('keep');
  });

  it('places every kept clip in the take (where its frames can be shared), and no clip a policy altered', async () => {
    // The contract frame sharing rests on: a clip with a take offset is the take there, zeros outside it.
    expect(classifier.takeOffsets).toHaveLength(classifier.clips.length);
    classifier.clips.forEach((clip, i) => {
      const at = classifier.takeOffsets[i];
      expect(at).toBe(Math.round(report.notes[i].onsetSec * SR) - 2646); // 0.12 s before the onset
      const expected = Float32Array.from({ length: CLIP_SAMPLES }, (_, k) => (at! + k >= 0 && at! + k < take.samples.length ? take.samples[at! + k] : 0));
      expect(clip).toEqual(expected);
    });
    const faded = new FakeClassifier();
    await buildTakeReport({ source: 'take.wav', audio, classifier: faded, batchSize: 16, overlap: 'fade' });
    expect(faded.takeOffsets.length).toBeGreaterThan(0);
    expect(faded.takeOffsets.every((o) => o === null)).toBe(true);
  });

  it('gives the same report from a stream of arbitrary chunks (bounded memory path), with progress', async () => {
    const seen: number[] = [];
    const streamed = await buildTakeReport({ source: 'take.wav', audio: chunked(take.samples, 5), classifier: new FakeClassifier(), onProgress: (p) => seen.push(p.processedSec / p.totalSec) });
    expect(streamed).toEqual(report);
    expect(seen.length).toBeGreaterThan(1);
    expect(seen[seen.length - 1]).toBeCloseTo(1, 6);
  });

  it('reads a WAV stream (shared/audio/stream.ts) like the decoded file', async () => {
    const short = take.samples.subarray(0, SR * 5);
    const bytes = encodeWav16(short, SR);
    const stream = await openWavStream(bytesSource(bytes), { chunkSeconds: 1 });
    const fromStream = await buildTakeReport({ source: 'x.wav', audio: stream, classifier: new FakeClassifier() });
    const fromMemory = await buildTakeReport({ source: 'x.wav', audio: loadAudio(bytes), classifier: new FakeClassifier() });
    expect(fromStream).toEqual(fromMemory);
    expect(fromStream.notes.length).toBeGreaterThanOrEqual(3);
  });

  it('handles silence and a note in the first/last instants (full-length, zero-padded clips)', async () => {
    const empty = await buildTakeReport({ source: 's', audio: { sampleRate: SR, durationSec: 3, samples: new Float32Array(SR * 3) }, classifier: new FakeClassifier() });
    expect(validateTakeReport(empty).notes).toEqual([]);
    expect(empty.summary).toEqual({ notes: 0, clean: 0, buzzy: 0, muted: 0, noNote: 0 });
    // Two plucks: 0.02 s after the start and 0.3 s before the end.
    const y = new Float32Array(SR * 3);
    const rng = new Rng(4);
    for (const at of [Math.round(0.02 * SR), SR * 3 - Math.round(0.3 * SR)]) {
      for (let i = 0; i < SR && at + i < y.length; i++) y[at + i] += 0.5 * Math.exp(-i / 1500) * (Math.sin((2 * Math.PI * 196 * i) / SR) + 0.05 * rng.gaussian());
    }
    const fake = new FakeClassifier();
    const edge = await buildTakeReport({ source: 'e', audio: { sampleRate: SR, durationSec: 3, samples: y }, classifier: fake });
    validateTakeReport(edge);
    expect(edge.notes.map((x) => x.onsetSec)).toEqual([expect.closeTo(0.02, 1), expect.closeTo(2.7, 1)]);
    expect(fake.clips.every((c) => c.length === CLIP_SAMPLES)).toBe(true);
    expect(edge.notes[0].startSec).toBe(0);
    expect(edge.notes[1].endSec).toBeCloseTo(3, 6);
    expect(fake.clips[0][0]).toBe(0); // padding before the take
    expect(fake.clips[1][CLIP_SAMPLES - 1]).toBe(0); // padding after it
  });

  it('an empty report says why: too_short, silent or no_onsets (and a report with notes has no reason)', async () => {
    const build = (samples: Float32Array) => buildTakeReport({ source: 'x', audio: { sampleRate: SR, durationSec: samples.length / SR, samples }, classifier: new FakeClassifier() });
    const reason = async (samples: Float32Array) => {
      const r = validateTakeReport(await build(samples));
      expect(r.notes).toEqual([]);
      return r.analysis?.emptyReason;
    };
    const rng = new Rng(9);
    expect(await reason(new Float32Array(500).map(() => 0.5 * rng.gaussian()))).toBe('too_short');
    expect(await reason(new Float32Array(SR * 2))).toBe('silent');
    expect(await reason(new Float32Array(SR * 2).map(() => 1e-5 * rng.gaussian()))).toBe('silent');
    // A tone swelling in over 2 s: loud, but nothing starts like a note (a tone switched on at sample 0 would).
    expect(await reason(new Float32Array(SR * 3).map((_, i) => 0.3 * Math.min(1, i / (2 * SR)) ** 2 * Math.sin((2 * Math.PI * 220 * i) / SR)))).toBe('no_onsets');
    // A pluck at the very first sample of a 1 s take is a note, at 0 s.
    const y = new Float32Array(SR).map((_, i) => 0.5 * Math.exp(-i / 3000) * (Math.sin((2 * Math.PI * 196 * i) / SR) + 0.3 * Math.sin((2 * Math.PI * 392 * i) / SR)));
    const first = validateTakeReport(await build(y));
    expect(first.notes.map((n) => n.onsetSec)).toEqual([0]);
    expect(first.analysis).not.toHaveProperty('emptyReason');
  });

  it('rejects a misbehaving classifier and bad options', async () => {
    const broken = { identity: { name: 'b', version: '1' }, classifyClips: async () => [] };
    const short = { sampleRate: SR, durationSec: 4, samples: take.samples.subarray(0, SR * 4) };
    await expect(buildTakeReport({ source: 't', audio: short, classifier: broken })).rejects.toThrow(ReportBuildError);
    await expect(buildTakeReport({ source: '', audio, classifier })).rejects.toThrow(TypeError);
    await expect(buildTakeReport({ source: 't', audio, classifier, overlap: 'x' as never })).rejects.toThrow(/overlap/);
    await expect(buildTakeReport({ source: 't', audio: { sampleRate: 0, durationSec: 1, samples: new Float32Array(10) }, classifier })).rejects.toThrow(TypeError);
  });
});

describe('validateTakeReport', () => {
  const good = {
    format: 'buzzfinder-report',
    version: 2,
    source: 'take.wav',
    sampleRate: 48000,
    durationSec: 10,
    model: { name: 'default', version: 'v0001' },
    notes: [
      { index: 0, onsetSec: 1.234, startSec: 1.134, endSec: 3.134, label: 'clean', confidence: 0.97, probabilities: { buzzy: 0.02, clean: 0.97, muted: 0.01 }, pitch: { hz: 110.2, midi: 45, name: 'A2' } },
      { index: 1, onsetSec: 2, startSec: 1.9, endSec: 3.9, label: 'muted', confidence: 0.6, probabilities: { buzzy: 0.1, clean: 0.3, muted: 0.6 }, pitch: null },
    ],
    summary: { notes: 2, clean: 1, buzzy: 0, muted: 1, noNote: 0 },
  };
  const clone = () => JSON.parse(JSON.stringify(good));

  it('accepts a valid report', () => {
    expect(validateTakeReport(clone())).toEqual(good);
  });

  it('counts a noNote note in summary.noNote, not in its label', () => {
    const r = clone();
    r.notes[1].noNote = { reason: 'low_confidence', levelDb: -41.5 };
    r.summary = { notes: 2, clean: 1, buzzy: 0, muted: 0, noNote: 1 };
    expect(validateTakeReport(r)).toEqual(r);
  });

  it('accepts analysis.emptyReason on a report with no notes (still version 2)', () => {
    const r = { ...clone(), notes: [], summary: { notes: 0, clean: 0, buzzy: 0, muted: 0, noNote: 0 }, analysis: { emptyReason: 'silent' } };
    expect(validateTakeReport(r)).toEqual(r);
    expect(r.version).toBe(REPORT_VERSION);
  });

  it('reads a version 1 report (no summary.noNote) and upgrades it to the current version', () => {
    const v1 = clone();
    v1.version = 1;
    delete v1.summary.noNote;
    expect(validateTakeReport(v1)).toEqual(v1);
    expect(readTakeReport(v1)).toEqual({ ...v1, version: REPORT_VERSION, summary: { ...v1.summary, noNote: 0 } });
    expect(readTakeReport(clone())).toEqual(good);
  });

  const broken: [string, (r: ReturnType<typeof clone>) => void, RegExp][] = [
    ['not an object', (r) => Object.assign(r, { format: undefined }), /\$\.format/],
    ['wrong version', (r) => (r.version = 3), /\$\.version: unsupported version 3/],
    ['summary.noNote missing in v2', (r) => delete r.summary.noNote, /\$\.summary\.noNote: expected a finite number/],
    ['noNote with an unknown reason', (r) => (r.notes[1].noNote = { reason: 'quiet', levelDb: -90 }), /notes\[1\]\.noNote\.reason: expected one of silence, noise, low_confidence/],
    ['noNote without levelDb', (r) => (r.notes[1].noNote = { reason: 'silence' }), /notes\[1\]\.noNote\.levelDb: expected a finite number/],
    ['noNote note counted as its label', (r) => (r.notes[1].noNote = { reason: 'noise', levelDb: -50 }), /\$\.summary\.muted: expected 0/],
    ['noNote in a version 1 report', (r) => Object.assign(r, { version: 1, summary: { notes: 2, clean: 1, buzzy: 0, muted: 0 } }, { notes: [r.notes[0], { ...r.notes[1], noNote: { reason: 'noise', levelDb: -50 } }] }), /notes\[1\]\.noNote: not part of a version 1 report/],
    ['missing model version', (r) => delete r.model.version, /\$\.model\.version: expected a non-empty string/],
    ['unknown label', (r) => (r.notes[0].label = 'fuzzy'), /notes\[0\]\.label: expected one of buzzy, clean, muted, got "fuzzy"/],
    ['probabilities not summing to 1', (r) => (r.notes[0].probabilities.clean = 0.5), /notes\[0\]\.probabilities: must sum to 1/],
    ['confidence not the label probability', (r) => (r.notes[0].confidence = 0.5), /notes\[0\]\.confidence/],
    ['label not the argmax', (r) => Object.assign(r.notes[1], { label: 'clean', confidence: 0.3 }), /notes\[1\]\.label: "clean" is not the most probable/],
    ['pitch name/midi mismatch', (r) => (r.notes[0].pitch.midi = 50), /notes\[0\]\.pitch\.midi: midi 50 does not match/],
    ['pitch missing', (r) => delete r.notes[1].pitch, /notes\[1\]\.pitch: missing/],
    ['notes out of order', (r) => (r.notes[1].onsetSec = 1), /notes\[1\]\.onsetSec: notes must be in time order/],
    ['index gap', (r) => (r.notes[1].index = 5), /notes\[1\]\.index: expected 1/],
    ['summary wrong', (r) => (r.summary.muted = 0), /\$\.summary\.muted: expected 1/],
    ['unknown emptyReason', (r) => Object.assign(r, { notes: [], summary: { notes: 0, clean: 0, buzzy: 0, muted: 0, noNote: 0 }, analysis: { emptyReason: 'quiet' } }), /\$\.analysis\.emptyReason: expected one of too_short, silent, no_onsets/],
    ['emptyReason on a report with notes', (r) => (r.analysis = { emptyReason: 'no_onsets' }), /\$\.analysis\.emptyReason: only for a report with no notes/],
    ['NaN time', (r) => (r.notes[0].onsetSec = NaN), /notes\[0\]\.onsetSec: expected a finite number/],
  ];
  it.each(broken)('rejects: %s', (_name, breakIt, message) => {
    const r = clone();
    breakIt(r);
    expect(() => validateTakeReport(r)).toThrow(ReportValidationError);
    expect(() => validateTakeReport(r)).toThrow(message);
  });

  it('rejects non-objects with a stable code', () => {
    expect(() => validateTakeReport(null)).toThrow(/invalid take report at \$: expected an object, got null/);
    try {
      validateTakeReport([]);
    } catch (err) {
      expect((err as ReportValidationError).code).toBe('invalid_report');
    }
  });
});
