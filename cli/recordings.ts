/**
 * Reading a user's labelled recordings from disk: what `dataset import` and `personalize` both take.
 * - a folder with buzzy/ clean/ muted/ subfolders of WAVs (nested subfolders allowed), or, when it has none of
 *   them, a folder of WAVs with the class in the file name (e.g. `gu_buzzy4.wav`);
 * - a take WAV with a labels CSV (`onset_sec,label[,midi]`).
 * Clip cutting is shared/dataset/import.ts; this module only walks files, decodes them and keeps their provenance.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadAudio } from '../shared/audio/load';
import { CLASSES } from '../shared/constants';
import { clipsFromClassFile, clipsFromTake, ImportedClip, ImportError, parseLabelsCsv } from '../shared/dataset/import';
import { UsageError } from './args';
import { checkInputPath, naming, readInputFile } from './inputs';
import { labelFromFileName } from './real-clips';

export interface RecordedClip {
  imported: ImportedClip;
  group: string;
  /** The source file, relative to the input folder (or the take's base name). */
  original: string;
  sampleRate: number;
  /** SHA-256 (hex) of the source file's bytes. */
  sha256: string;
}

export function walkWavs(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walkWavs(full));
    else if (entry.isFile() && entry.name.toLowerCase().endsWith('.wav')) out.push(full);
  }
  return out;
}

function readRecording(file: string) {
  const bytes = readInputFile(file);
  try {
    const audio = loadAudio(bytes);
    return { samples: audio.samples, sampleRate: audio.sampleRate, sha256: createHash('sha256').update(bytes).digest('hex') };
  } catch (err) {
    throw naming(file, err);
  }
}

/** Every labelled clip of `input` (a folder or a take with `labels`), in a stable order. */
export function readLabelledRecordings(input: string, options: { labels?: string } = {}): RecordedClip[] {
  checkInputPath(input);
  const out: RecordedClip[] = [];
  if (fs.statSync(input).isDirectory()) {
    if (options.labels) throw new UsageError('--labels goes with a take file, not a folder of recordings');
    const classDirs = CLASSES.filter((label) => fs.existsSync(path.join(input, label)));
    if (classDirs.length > 0) {
      for (const label of classDirs) {
        const dir = path.join(input, label);
        for (const file of walkWavs(dir)) {
          const rel = path.relative(dir, file).split(path.sep);
          const group = rel.length >= 2 ? `recorded-${rel.slice(0, -1).join('/')}` : `recorded-${label}/${rel[0].replace(/\.wav$/i, '')}`;
          const audio = readRecording(file);
          for (const imported of clipsFromClassFile(audio.samples, label)) {
            out.push({ imported, group, original: path.relative(input, file).split(path.sep).join('/'), sampleRate: audio.sampleRate, sha256: audio.sha256 });
          }
        }
      }
    } else {
      for (const file of walkWavs(input)) {
        const original = path.relative(input, file).split(path.sep).join('/');
        const label = labelFromFileName(file);
        if (!label) throw new ImportError('bad_input', `${original}: its name must contain exactly one of ${CLASSES.join(', ')} (or put it in a class subfolder)`);
        const audio = readRecording(file);
        const group = `recorded-${original.replace(/\.wav$/i, '')}`;
        for (const imported of clipsFromClassFile(audio.samples, label)) out.push({ imported, group, original, sampleRate: audio.sampleRate, sha256: audio.sha256 });
      }
    }
  } else {
    if (!options.labels) throw new UsageError('a take file needs --labels <csv> (onset_sec,label[,midi])');
    let text: string;
    try {
      text = fs.readFileSync(path.resolve(options.labels), 'utf8');
    } catch (err) {
      throw new ImportError('bad_labels', `${options.labels}: cannot read (${(err as Error).message})`);
    }
    const rows = parseLabelsCsv(text);
    const audio = readRecording(input);
    const group = `recorded-${path.basename(input).replace(/\.wav$/i, '')}`;
    for (const imported of clipsFromTake(audio.samples, rows)) out.push({ imported, group, original: path.basename(input), sampleRate: audio.sampleRate, sha256: audio.sha256 });
  }
  if (out.length === 0) {
    throw new ImportError('no_clips', `no clips found in ${input} (expected buzzy/, clean/ or muted/ subfolders of WAVs, WAVs with the class in their name, or a take with --labels)`);
  }
  return out;
}
