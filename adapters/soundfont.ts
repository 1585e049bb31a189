/**
 * Renders notes of the FluidR3 General MIDI soundfont (Debian's fluid-soundfont-gm, MIT) with the fluidsynth CLI:
 * recorded nylon, steel, jazz and clean electric guitars (clean) and the palm-muted electric guitar (muted).
 * Other sample sets render the same way: any .sf2/.sf3 soundfont through fluidsynth, and a TiMidity++ configuration
 * of GUS patches (.cfg, e.g. Debian's freepats) through timidity. Only FluidR3 is ever trained on (issue 11).
 *
 * One MIDI file per program with many notes spaced far apart; each clip is cut so the note's measured onset
 * sits exactly at 0.1 s. The renderer's offset is measured per note (first sample above 2% of the note's
 * peak, searched around the scheduled time) rather than assumed; `RenderReport.offsetsMs` records it.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadAudio } from '../shared/audio/load';
import { CLIP_SAMPLES, PRE_ONSET_SECONDS, SAMPLE_RATE } from '../shared/constants';
import type { SoundfontNote } from '../shared/dataset/generate';
import { BuzzfinderError } from '../shared/errors';
import { MidiNoteEvent, MidiPart, writeMidiFile } from '../shared/synth/midi';

export const DEFAULT_SOUNDFONT_PATH = '/usr/share/sounds/sf2/FluidR3_GM.sf2';
export const INSTALL_HINT = 'run scripts/install-soundfont.sh (apt-get install fluidsynth fluid-soundfont-gm)';

export class SoundfontUnavailableError extends BuzzfinderError {
  constructor(detail: string) {
    super('soundfont_unavailable', `${detail}; ${INSTALL_HINT}`);
  }
}

export type SoundfontRenderer = 'fluidsynth' | 'timidity';

export interface SoundfontSetup {
  /** fluidsynth plays .sf2/.sf3 soundfonts; timidity a TiMidity++ .cfg of GUS patches. */
  renderer: SoundfontRenderer;
  /** The renderer's executable. */
  command: string;
  /** The soundfont, or the TiMidity++ configuration. */
  soundfont: string;
}

/** The renderer a sample set needs: TiMidity++ for its configuration files (.cfg), else fluidsynth. */
export function rendererFor(soundfont: string): SoundfontRenderer {
  return /\.cfg$/i.test(soundfont) ? 'timidity' : 'fluidsynth';
}

/** Finds the renderer and the soundfont, or throws SoundfontUnavailableError saying how to install them. */
export function findSoundfontSetup(options: { soundfont?: string; fluidsynth?: string; timidity?: string } = {}): SoundfontSetup {
  const soundfont = options.soundfont ?? DEFAULT_SOUNDFONT_PATH;
  const renderer = rendererFor(soundfont);
  const command = (renderer === 'timidity' ? options.timidity : options.fluidsynth) ?? renderer;
  const probe = spawnSync(command, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    if (renderer === 'timidity') throw new BuzzfinderError('soundfont_unavailable', `timidity is not installed (could not run '${command}'); apt-get install timidity`);
    throw new SoundfontUnavailableError(`fluidsynth is not installed (could not run '${command}')`);
  }
  if (!fs.existsSync(soundfont)) throw new SoundfontUnavailableError(`soundfont ${soundfont} not found`);
  return { renderer, command, soundfont };
}

/** Seconds between note-ons in a render (a note is held 1.8 s; the release dies well before the next clip). */
export const NOTE_SPACING_SEC = 3;
const FIRST_NOTE_SEC = 0.5;
const HOLD_SEC = 1.8;

export interface RenderReport {
  /** Measured onset minus scheduled note-on, per rendered note, milliseconds. */
  offsetsMs: number[];
  renders: number;
  seconds: number;
  /** Notes whose onset could not be found (no sound): kept as scheduled, counted here. */
  silent: number;
}

/** The renderer's arguments: one MIDI file to a mono 16-bit WAV at SAMPLE_RATE, without reverb or chorus. */
export function renderArgs(setup: SoundfontSetup, midiPath: string, wavPath: string, gain: number): string[] {
  if (setup.renderer === 'timidity') {
    // -c alone: TiMidity++ then reads only this configuration, not its default (Debian's sources FluidR3).
    const volumePercent = String(Math.round(gain * 100));
    return ['-c', setup.soundfont, '-Ow', '--output-mono', '-s', String(SAMPLE_RATE), '-EFreverb=d', '-EFchorus=d', '-A', volumePercent, '-o', wavPath, midiPath];
  }
  return ['-ni', '-q', '-R', '0', '-C', '0', '-g', String(gain), '-r', String(SAMPLE_RATE), '-T', 'wav', '-O', 's16', '-F', wavPath, setup.soundfont, midiPath];
}

function runRenderer(setup: SoundfontSetup, midiPath: string, wavPath: string, gain: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(setup.command, renderArgs(setup, midiPath, wavPath, gain), { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err) => reject(new SoundfontUnavailableError(`could not run ${setup.renderer}: ${err.message}`)));
    child.on('close', (code) => {
      if (code === 0 && fs.existsSync(wavPath)) resolve();
      else reject(new BuzzfinderError('soundfont_render_failed', `${setup.renderer} exited with ${code}: ${stderr.trim().slice(0, 500)}`));
    });
  });
}

/**
 * First sample in [from, to) whose magnitude exceeds both `fraction` of the note's peak (within 0.5 s of `from`)
 * and 8x the level just before `from` (so a previous note's release tail is never taken for the onset).
 */
export function measureOnset(x: Float32Array, from: number, to: number, fraction = 0.02): number | null {
  const lo = Math.max(0, from);
  const hiPeak = Math.min(x.length, lo + Math.round(0.5 * SAMPLE_RATE));
  let peak = 0;
  for (let i = lo; i < hiPeak; i++) peak = Math.max(peak, Math.abs(x[i]));
  let before = 0;
  for (let i = Math.max(0, lo - Math.round(0.1 * SAMPLE_RATE)); i < lo; i++) before = Math.max(before, Math.abs(x[i]));
  if (peak === 0 || peak <= 8 * before) return null;
  const threshold = Math.max(peak * fraction, 8 * before);
  for (let i = lo; i < Math.min(to, x.length); i++) if (Math.abs(x[i]) > threshold) return i;
  return null;
}

/**
 * Renders each note as a 2 s clip at SAMPLE_RATE with its onset at 0.1 s, in input order.
 * The notes are split into `concurrency` batches; each batch is one MIDI file (one channel per program, one note
 * every NOTE_SPACING_SEC) rendered by one renderer process, which loads the soundfont (FluidR3: 148 MB) once.
 */
export async function renderSoundfontNotes(
  notes: readonly SoundfontNote[],
  options: { setup?: SoundfontSetup; gain?: number; concurrency?: number; tmpDir?: string } = {},
): Promise<{ clips: Float32Array[]; report: RenderReport }> {
  const setup = options.setup ?? findSoundfontSetup();
  const gain = options.gain ?? 0.6;
  const started = Date.now();
  const clips: Float32Array[] = new Array(notes.length);
  const offsets: number[] = [];
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 2, notes.length));
  const batches: number[][] = Array.from({ length: concurrency }, () => []);
  const per = Math.ceil(notes.length / concurrency);
  notes.forEach((_, i) => batches[Math.floor(i / per)].push(i));
  const dir = fs.mkdtempSync(path.join(options.tmpDir ?? os.tmpdir(), 'buzzfinder-sf-'));
  const pre = Math.round(PRE_ONSET_SECONDS * SAMPLE_RATE);
  const renderBatch = async (indices: number[], b: number) => {
    if (indices.length === 0) return;
    const channelOf = new Map<number, number>();
    const parts: MidiPart[] = [];
    const starts: number[] = [];
    indices.forEach((idx, k) => {
      const n = notes[idx];
      let ch = channelOf.get(n.program);
      if (ch === undefined) {
        ch = parts.length >= 9 ? parts.length + 1 : parts.length; // skip channel 9 (drums)
        if (ch > 15) throw new TypeError('renderSoundfontNotes: at most 15 programs per render');
        channelOf.set(n.program, ch);
        parts.push({ program: n.program, channel: ch, notes: [] });
      }
      const startSec = FIRST_NOTE_SEC + k * NOTE_SPACING_SEC;
      starts.push(startSec);
      (parts.find((p) => p.channel === ch)!.notes as MidiNoteEvent[]).push({ startSec, endSec: startSec + HOLD_SEC, midi: n.midi, velocity: n.velocity });
    });
    const midiPath = path.join(dir, `batch${b}.mid`);
    const wavPath = path.join(dir, `batch${b}.wav`);
    fs.writeFileSync(midiPath, writeMidiFile({ parts }));
    await runRenderer(setup, midiPath, wavPath, gain);
    const audio = loadAudio(new Uint8Array(fs.readFileSync(wavPath))).samples;
    fs.rmSync(wavPath, { force: true });
    indices.forEach((idx, k) => {
      const scheduled = Math.round(starts[k] * SAMPLE_RATE);
      // A renderer never sounds early; search from 5 ms before to 250 ms after the scheduled note-on.
      const onset = measureOnset(audio, scheduled - Math.round(0.005 * SAMPLE_RATE), scheduled + Math.round(0.25 * SAMPLE_RATE));
      const at = onset ?? scheduled;
      if (onset !== null) offsets.push(((at - scheduled) / SAMPLE_RATE) * 1000);
      const clip = new Float32Array(CLIP_SAMPLES);
      const from = at - pre;
      for (let i = 0; i < CLIP_SAMPLES; i++) {
        const j = from + i;
        clip[i] = j >= 0 && j < audio.length ? audio[j] : 0;
      }
      clips[idx] = clip;
    });
  };
  try {
    await Promise.all(batches.map((indices, b) => renderBatch(indices, b)));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { clips, report: { offsetsMs: offsets, renders: batches.filter((b) => b.length > 0).length, seconds: (Date.now() - started) / 1000, silent: notes.length - offsets.length } };
}
