/**
 * EVALUATION ONLY: renders recorded guitar notes from General MIDI soundfonts other than FluidR3 into a folder of
 * class subfolders, to measure how a model generalises to sample sets it was never trained on:
 *   apt-get install timgm6mb-soundfont musescore-general-soundfont-small timidity freepats    # Debian, opt-in
 *   npx tsx scripts/eval-soundfonts.ts --out /tmp/eval-sf [--notes 60] [--seed 1] [--soundfont FILE ...]
 *   npx buzzfinder evaluate --model models/default --data /tmp/eval-sf/TimGM6mb --split all
 *
 * These sets must NEVER be used for training, tuning or choosing a model (issue 11): the training data is the
 * synthesiser plus FluidR3 only. Each output folder carries an EVALUATION-ONLY.txt marker, and `buzzfinder dataset`
 * never reads them. FluidR3 itself is refused here (it is the training soundfont, not a held-out set).
 * Clean: GM programs 24-27 (nylon, steel, jazz, clean electric); muted: 28 (palm-muted electric), MIDI 40-84.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_SOUNDFONT_PATH, findSoundfontSetup, renderSoundfontNotes } from '../adapters/soundfont';
import { encodeWav16 } from '../shared/audio/encode';
import { SAMPLE_RATE } from '../shared/constants';
import { SOUNDFONT_CLEAN_PROGRAMS, SOUNDFONT_MUTED_MAX_MIDI, SOUNDFONT_MUTED_PROGRAM, SoundfontNote } from '../shared/dataset/generate';
import { Rng } from '../shared/rng';

/**
 * Debian's other GM sample sets with guitar programs (installed on demand, see above). MuseScore_General is derived
 * from FluidR3 (its guitars measure the same), so TimGM6mb and freepats (GUS patches, rendered by TiMidity++) are
 * the sets whose guitars were recorded apart from the training font.
 */
export const EVAL_SOUNDFONTS = ['/usr/share/sounds/sf2/TimGM6mb.sf2', '/usr/share/sounds/sf3/MuseScore_General_Lite.sf3', '/etc/timidity/freepats.cfg'];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { out: { type: 'string' }, notes: { type: 'string', default: '60' }, seed: { type: 'string', default: '1' }, soundfont: { type: 'string', multiple: true } },
  });
  if (!values.out) throw new Error('--out <dir> is required');
  const perClass = Number(values.notes);
  if (!Number.isInteger(perClass) || perClass < 1) throw new Error(`--notes must be a positive integer, got '${values.notes}'`);
  const fonts = values.soundfont ?? EVAL_SOUNDFONTS.filter((f) => fs.existsSync(f));
  if (fonts.length === 0) throw new Error('no evaluation soundfont found: apt-get install timgm6mb-soundfont musescore-general-soundfont-small');
  for (const font of fonts) {
    if (path.resolve(font) === path.resolve(DEFAULT_SOUNDFONT_PATH) || /fluidr3/i.test(path.basename(font))) {
      throw new Error(`${font} is the training soundfont (FluidR3): not a held-out evaluation set`);
    }
    const setup = findSoundfontSetup({ soundfont: font });
    const rng = new Rng(Number(values.seed));
    const notes: (SoundfontNote & { label: 'clean' | 'muted' })[] = [];
    for (let k = 0; k < perClass; k++) {
      notes.push({ label: 'clean', program: SOUNDFONT_CLEAN_PROGRAMS[k % SOUNDFONT_CLEAN_PROGRAMS.length], midi: rng.int(40, 84), velocity: rng.int(30, 127) });
      notes.push({ label: 'muted', program: SOUNDFONT_MUTED_PROGRAM, midi: rng.int(40, SOUNDFONT_MUTED_MAX_MIDI), velocity: rng.int(30, 127) });
    }
    const { clips, report } = await renderSoundfontNotes(notes, { setup, concurrency: 1 });
    const name = path.basename(font).replace(/\.(sf2|sf3|cfg)$/i, '');
    const dir = path.join(values.out, name);
    let written = 0;
    notes.forEach((n, i) => {
      let peak = 0;
      for (const v of clips[i]) peak = Math.max(peak, Math.abs(v));
      if (peak === 0) return; // the font has no sample for this note
      const sub = path.join(dir, n.label);
      fs.mkdirSync(sub, { recursive: true });
      fs.writeFileSync(path.join(sub, `${name}-p${n.program}-m${n.midi}-v${n.velocity}-${i}.wav`), encodeWav16(clips[i], SAMPLE_RATE));
      written++;
    });
    fs.writeFileSync(path.join(dir, 'EVALUATION-ONLY.txt'), `Rendered from ${font} by scripts/eval-soundfonts.ts.\nEvaluation only: never train, tune or choose a model on these clips (issue 11).\n`);
    process.stdout.write(`${JSON.stringify({ soundfont: font, out: dir, written, silent: notes.length - written, renderSeconds: report.seconds })}\n`);
  }
}

main().catch((err) => {
  process.stderr.write(`eval-soundfonts: ${(err as Error).message}\n`);
  process.exit(1);
});
