/**
 * The corrections format (shared/report/corrections.ts): validation, relabelling, and the labels CSV that
 * `dataset import --labels` reads.
 */
import { parseLabelsCsv } from '../../shared/dataset/import';
import { correctionSplits, CORRECTIONS_FORMAT, CorrectionsError, emptyCorrections, fileStem, labelsCsv, validateCorrections, withLabel } from '../../shared/report/corrections';
import { handMadeReport } from './fixtures';

const report = handMadeReport('take.wav', 10, [
  { onsetSec: 0.5, label: 'clean', confidence: 0.9, midi: 45 },
  { onsetSec: 2.25, label: 'buzzy', confidence: 0.7, midi: null },
  { onsetSec: 4.1234, label: 'muted', confidence: 0.8, midi: 50 },
]);
const t0 = new Date('2026-01-01T00:00:00Z');

describe('corrections', () => {
  it('records labels sorted by note, one per note, with what the model said', () => {
    let c = emptyCorrections(report, 'reports/take.wav.1.json', t0);
    c = withLabel(c, report, 2, 'buzzy', t0);
    c = withLabel(c, report, 0, 'muted', t0);
    c = withLabel(c, report, 2, 'clean', new Date('2026-01-02T00:00:00Z'));
    expect(validateCorrections(c, report)).toBe(c);
    expect(c).toEqual({
      format: CORRECTIONS_FORMAT,
      version: 1,
      source: 'take.wav',
      report: 'reports/take.wav.1.json',
      updated: '2026-01-02T00:00:00.000Z',
      labels: [
        { index: 0, onsetSec: 0.5, label: 'muted', was: 'clean', midi: 45 },
        { index: 2, onsetSec: 4.1234, label: 'clean', was: 'muted', midi: 50 },
      ],
    });
  });

  it('exports a CSV that dataset import reads back to the same rows', () => {
    let c = emptyCorrections(report, 'r', t0);
    c = withLabel(c, report, 1, 'muted', t0);
    c = withLabel(c, report, 2, 'muted', t0);
    const csv = labelsCsv(c);
    expect(csv).toBe('onset_sec,label,midi\n2.25,muted,\n4.1234,muted,50\n');
    expect(parseLabelsCsv(csv)).toEqual([
      { onsetSec: 2.25, label: 'muted' },
      { onsetSec: 4.1234, label: 'muted', midi: 50 },
    ]);
  });

  it('refuses unknown notes and labels with a stable code', () => {
    const c = emptyCorrections(report, 'r', t0);
    expect(() => withLabel(c, report, 3, 'clean', t0)).toThrow(CorrectionsError);
    expect(() => withLabel(c, report, 1.5, 'clean', t0)).toThrow(/no note 1.5/);
    expect(() => withLabel(c, report, 0, 'squeaky', t0)).toThrow(/label must be one of buzzy, clean, muted/);
    try {
      withLabel(c, report, -1, 'clean', t0);
    } catch (err) {
      expect((err as CorrectionsError).code).toBe('invalid_corrections');
    }
  });

  it.each([
    ['a wrong format', { format: 'x' }, /format/],
    ['a newer version', { version: 2 }, /version: unsupported 2/],
    ['no labels array', { labels: {} }, /labels: expected an array/],
    ['unsorted labels', { labels: [{ index: 1, onsetSec: 2.25, label: 'clean', was: 'buzzy', midi: null }, { index: 0, onsetSec: 0.5, label: 'clean', was: 'clean', midi: 45 }] }, /labels\[1\]\.index/],
    ['a bad midi', { labels: [{ index: 0, onsetSec: 0.5, label: 'clean', was: 'clean', midi: 200 }] }, /midi/],
    ['a note of another report', { labels: [{ index: 0, onsetSec: 0.7, label: 'clean', was: 'clean', midi: 45 }] }, /does not match note 0/],
  ])('rejects %s', (_what, patch, message) => {
    const value = { ...emptyCorrections(report, 'r', t0), ...patch };
    expect(() => validateCorrections(value, report)).toThrow(message);
  });
});

describe('correctionSplits', () => {
  it('always leaves train and validation clips once there are two labels', () => {
    expect(correctionSplits(0)).toEqual([]);
    expect(correctionSplits(1)).toEqual(['train']);
    expect(correctionSplits(2)).toEqual(['train', 'validation']);
    expect(correctionSplits(5)).toEqual(['train', 'train', 'train', 'train', 'validation']);
    const many = correctionSplits(23);
    expect(many.filter((s) => s === 'validation')).toHaveLength(4);
    expect(many.filter((s) => s === 'train')).toHaveLength(19);
  });
});

describe('fileStem', () => {
  it.each([
    ['take.wav', 'take'],
    ['uploads/sub/My Take (2).WAV', 'My-Take-2'],
    ['C:\\music\\riff "A" <img> & more.wav', 'riff-A-img-more'],
    ['../../..wav', 'take'],
    ['.hidden.wav', 'hidden'],
    ['a'.repeat(100) + '.wav', 'a'.repeat(60)],
  ])('%s -> %s', (name, stem) => {
    expect(fileStem(name)).toBe(stem);
  });
});
