/**
 * `buzzfinder synth-take --out take.wav --truth truth.json [--seconds N] [--seed S] [--condition C]`:
 * a synthetic performance with exact per-note truth (onset sample, MIDI pitch, class). See docs/dataset.md.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeWav16 } from '../../shared/audio/encode';
import { MAX_TAKE_SECONDS, synthesizeTake, TAKE_CONDITIONS, TakeCondition } from '../../shared/synth/take';
import { intOption, parseCommandArgs, UsageError } from '../args';

const HELP = `Usage: buzzfinder synth-take --out take.wav --truth truth.json [--seconds N] [--seed S] [--condition C]

Writes a 16-bit mono 22050 Hz WAV and a truth JSON ({format: 'buzzfinder-take-truth', version: 1, notes:
[{onsetSec, midi, label, ...}]}). Same seed and options -> byte-identical files.
  --seconds N     length in seconds, 1..${MAX_TAKE_SECONDS} (default 30)
  --seed S        integer seed (default 1)
  --condition C   ${TAKE_CONDITIONS.join(' | ')} (default mixed)
Prints {take, truth, notes, seconds} as JSON to stdout.`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    { out: { type: 'string' }, truth: { type: 'string' }, seconds: { type: 'string' }, seed: { type: 'string' }, condition: { type: 'string' } },
    HELP,
    false,
  );
  if (!values.out) throw new UsageError('--out <take.wav> is required');
  if (!values.truth) throw new UsageError('--truth <truth.json> is required');
  const seconds = values.seconds === undefined ? 30 : Number(values.seconds);
  if (!Number.isFinite(seconds) || seconds < 1 || seconds > MAX_TAKE_SECONDS) {
    throw new UsageError(`--seconds must be a number in 1..${MAX_TAKE_SECONDS}, got '${values.seconds}'`);
  }
  const seed = intOption(values.seed, 'seed', 1, 0);
  const condition = (values.condition ?? 'mixed') as TakeCondition;
  if (!TAKE_CONDITIONS.includes(condition)) throw new UsageError(`--condition must be one of ${TAKE_CONDITIONS.join(', ')}, got '${values.condition}'`);
  const take = synthesizeTake({ seconds, seed, condition });
  const out = path.resolve(values.out);
  const truthPath = path.resolve(values.truth);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.mkdirSync(path.dirname(truthPath), { recursive: true });
  fs.writeFileSync(out, encodeWav16(take.samples, take.sampleRate));
  fs.writeFileSync(truthPath, JSON.stringify(take.truth, null, 2) + '\n');
  process.stdout.write(JSON.stringify({ take: out, truth: truthPath, notes: take.truth.notes.length, seconds: take.truth.durationSec, condition, seed }) + '\n');
  return 0;
}
