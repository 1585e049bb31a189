/**
 * `buzzfinder features <file.wav>... [--json]`: the seed's comprehensive MFCC (87 x 39) of each file's first 2 s,
 * after librosa.load-style decoding (mono mean, resampled to 22050 Hz).
 *
 * All-or-nothing: every file is read and computed before anything is printed; if any file fails, the error
 * (naming the file) goes to stderr, the exit code is 1 and stdout stays empty, so `--json` output is always
 * either one complete JSON array or nothing.
 */
import { loadConfig } from '../../adapters/config';
import { FEATURE_COEFFS, SAMPLE_RATE } from '../../shared/constants';
import { BuzzfinderError } from '../../shared/errors';
import { loadAudio } from '../../shared/audio/load';
import { comprehensiveMfcc } from '../../shared/features/comprehensive';
import { parseCommandArgs, UsageError } from '../args';
import { checkInputFile, naming, readInputFile } from '../inputs';

const HELP = `Usage: buzzfinder features <file.wav>... [--json]

Computes the original project's model input for each file: librosa 0.9.2 MFCC (13) + delta + delta-delta
of the first 2 s at 22050 Hz (shorter files are zero-padded), 87 frames x 39 values.

Options:
  --json     print a JSON array, one object per file:
             {"file", "sampleRate": 22050, "sourceSampleRate", "frames": 87, "comprehensive": number[87][39], "padded"?: true}
  -h, --help show this help

If any file cannot be read or decoded, nothing is printed on stdout, the error names the file, exit code 1.`;

export interface FileFeatures {
  file: string;
  sampleRate: number;
  sourceSampleRate: number;
  durationSec: number;
  frames: number;
  padded: boolean;
  values: Float32Array;
}

/** A failure tied to one input file; the message starts with the path as given. */
class FileError extends BuzzfinderError {}

function readInput(file: string, maxBytes: number): Uint8Array {
  const stat = checkInputFile(file);
  if (stat.size > maxBytes) throw new FileError('too_large', `${file}: ${stat.size} bytes exceeds the limit of ${maxBytes} bytes`);
  return readInputFile(file);
}

export function computeFileFeatures(file: string, maxBytes: number): FileFeatures {
  const bytes = readInput(file, maxBytes);
  try {
    const audio = loadAudio(bytes, { maxBytes });
    const features = comprehensiveMfcc(audio.samples);
    return {
      file,
      sampleRate: SAMPLE_RATE,
      sourceSampleRate: audio.sampleRate,
      durationSec: audio.durationSec,
      frames: features.frames,
      padded: features.padded,
      values: features.values,
    };
  } catch (err) {
    throw naming(file, err);
  }
}

function toJson(f: FileFeatures): Record<string, unknown> {
  const comprehensive: number[][] = [];
  for (let t = 0; t < f.frames; t++) comprehensive.push(Array.from(f.values.subarray(t * FEATURE_COEFFS, (t + 1) * FEATURE_COEFFS)));
  return {
    file: f.file,
    sampleRate: f.sampleRate,
    sourceSampleRate: f.sourceSampleRate,
    frames: f.frames,
    ...(f.padded ? { padded: true } : {}),
    comprehensive,
  };
}

function describe(f: FileFeatures): string {
  let min = Infinity;
  let max = -Infinity;
  let c0 = 0;
  for (let t = 0; t < f.frames; t++) c0 += f.values[t * FEATURE_COEFFS];
  for (const v of f.values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const source = `${f.durationSec.toFixed(2)} s at ${f.sourceSampleRate} Hz`;
  const padded = f.padded ? ', zero-padded to 2 s' : '';
  return `${f.file}: ${source}${padded} -> ${f.frames} x ${FEATURE_COEFFS} features; mean c0 ${(c0 / f.frames).toFixed(1)}, range [${min.toFixed(1)}, ${max.toFixed(1)}]`;
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' } }, HELP);
  if (positionals.length === 0) throw new UsageError('expected at least one WAV file (see --help)');
  const { maxUploadBytes } = loadConfig();
  const results = positionals.map((file) => computeFileFeatures(file, maxUploadBytes));
  if (values.json) {
    process.stdout.write(JSON.stringify(results.map(toJson)) + '\n');
  } else {
    process.stdout.write(results.map(describe).join('\n') + '\n');
  }
  return 0;
}
