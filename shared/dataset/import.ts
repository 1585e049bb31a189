/**
 * Turning a user's labelled recordings into dataset clips (pure; the CLI reads and writes the files).
 *
 * - A long take + a CSV of `onset_sec,label[,midi]`: one clip per row, starting 0.1 s before the onset.
 * - A file in a class subfolder: if it is clip-length (<= 2.5 s) it is one clip, shifted so that its onset — the
 *   first 10 ms frame whose energy rises above a threshold — sits at 0.1 s; a longer file is split at the onsets
 *   found by the report helper's `detectOnsets`, every clip taking the folder's class.
 */
import { CLASSES, CLIP_SAMPLES, PRE_ONSET_SECONDS, SAMPLE_RATE, isToneClass, ToneClass } from '../constants';
import { BuzzfinderError } from '../errors';
import { detectOnsets } from '../onsets/detect';

export class ImportError extends BuzzfinderError {
  constructor(
    code: 'bad_labels' | 'no_clips' | 'bad_input',
    message: string,
  ) {
    super(code, message);
  }
}

export interface LabelRow {
  onsetSec: number;
  label: ToneClass;
  midi?: number;
}

/** Parses `onset_sec,label[,midi]` lines (a header line and blank/# comment lines are allowed). */
export function parseLabelsCsv(text: string): LabelRow[] {
  const rows: LabelRow[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const cells = line.split(',').map((c) => c.trim());
    if (i === 0 && /^[a-z_ ]+$/i.test(cells[0])) return; // header
    if (cells.length < 2 || cells.length > 3) throw new ImportError('bad_labels', `labels line ${i + 1}: expected onset_sec,label[,midi], got '${line}'`);
    const onsetSec = Number(cells[0]);
    if (!Number.isFinite(onsetSec) || onsetSec < 0) throw new ImportError('bad_labels', `labels line ${i + 1}: onset_sec must be a number >= 0, got '${cells[0]}'`);
    const label = cells[1].toLowerCase();
    if (!isToneClass(label)) throw new ImportError('bad_labels', `labels line ${i + 1}: label must be one of ${CLASSES.join(', ')}, got '${cells[1]}'`);
    const row: LabelRow = { onsetSec, label };
    if (cells.length === 3 && cells[2] !== '') {
      const midi = Number(cells[2]);
      if (!Number.isInteger(midi) || midi < 0 || midi > 127) throw new ImportError('bad_labels', `labels line ${i + 1}: midi must be an integer 0..127, got '${cells[2]}'`);
      row.midi = midi;
    }
    rows.push(row);
  });
  if (rows.length === 0) throw new ImportError('bad_labels', 'labels CSV has no rows');
  return rows.sort((a, b) => a.onsetSec - b.onsetSec);
}

/** The 2 s clip whose note onset (at `onsetSec` in `samples`) lands at 0.1 s; zero-padded outside the take. */
export function cutClipAt(samples: Float32Array, onsetSec: number, sampleRate = SAMPLE_RATE): Float32Array {
  const start = Math.round((onsetSec - PRE_ONSET_SECONDS) * sampleRate);
  const clip = new Float32Array(CLIP_SAMPLES);
  const from = Math.max(0, start);
  const to = Math.min(samples.length, start + CLIP_SAMPLES);
  if (to > from) clip.set(samples.subarray(from, to), from - start);
  return clip;
}

/**
 * Onset by a simple energy rise: the first 10 ms frame of the run, above both 10% of the loudest frame and 4x the
 * quietest frames' level (the noise floor), that leads up to the loudest frame, in seconds; null for silence.
 */
export function energyRiseOnset(samples: Float32Array, sampleRate = SAMPLE_RATE): number | null {
  const hop = Math.max(1, Math.round(0.01 * sampleRate));
  const frames = Math.floor(samples.length / hop);
  if (frames === 0) return null;
  const rms = new Float64Array(frames);
  for (let f = 0; f < frames; f++) {
    let s = 0;
    for (let i = f * hop; i < (f + 1) * hop; i++) s += samples[i] * samples[i];
    rms[f] = Math.sqrt(s / hop);
  }
  const sorted = Array.from(rms).sort((a, b) => a - b);
  const floor = sorted[Math.floor(frames * 0.1)];
  const peak = sorted[frames - 1];
  if (peak === 0) return null;
  const threshold = Math.max(0.1 * peak, 4 * floor);
  // The start of the run of frames above the threshold that holds the loudest frame: a dark, rumbling noise
  // floor can lift a single frame before the note over the threshold, but not a run joined to the note.
  let f = 0;
  while (rms[f] < peak) f++;
  while (f > 0 && rms[f - 1] >= threshold) f--;
  // Refine inside the frame: first sample above the threshold amplitude.
  for (let i = f * hop; i < (f + 1) * hop; i++) if (Math.abs(samples[i]) >= threshold) return i / sampleRate;
  return (f * hop) / sampleRate;
}

export interface ImportedClip {
  samples: Float32Array;
  label: ToneClass;
  /** Onset in the source file, seconds. */
  onsetSec: number;
  midi?: number;
  /** How the onset was found. */
  onsetFrom: 'labels' | 'energy-rise' | 'detectOnsets';
}

/** Clips of a long take at the CSV's onsets. */
export function clipsFromTake(samples: Float32Array, rows: readonly LabelRow[]): ImportedClip[] {
  const duration = samples.length / SAMPLE_RATE;
  return rows.map((r) => {
    if (r.onsetSec >= duration) throw new ImportError('bad_labels', `onset ${r.onsetSec}s is beyond the end of the take (${duration.toFixed(3)}s)`);
    return { samples: cutClipAt(samples, r.onsetSec), label: r.label, onsetSec: r.onsetSec, midi: r.midi, onsetFrom: 'labels' as const };
  });
}

/** Longest file treated as a single clip (a 2 s clip with some slack). */
export const SINGLE_CLIP_MAX_SECONDS = 2.5;

/** Clips of a file from a class subfolder (see the module comment). */
export function clipsFromClassFile(samples: Float32Array, label: ToneClass): ImportedClip[] {
  const duration = samples.length / SAMPLE_RATE;
  if (duration <= SINGLE_CLIP_MAX_SECONDS) {
    const onset = energyRiseOnset(samples) ?? PRE_ONSET_SECONDS;
    return [{ samples: cutClipAt(samples, onset), label, onsetSec: onset, onsetFrom: 'energy-rise' }];
  }
  const onsets = detectOnsets(samples);
  return onsets.map((onsetSec) => ({ samples: cutClipAt(samples, onsetSec), label, onsetSec, onsetFrom: 'detectOnsets' as const }));
}
