/**
 * `buzzfinder dataset --out <dir> [--size N] [--seed S] [--sources synth,soundfont]`: generates a dataset.
 * `buzzfinder dataset import <folder-or-take.wav> [--labels <csv>] --out <dir>`: converts a user's recordings.
 * See docs/dataset.md.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { findSoundfontSetup, renderSoundfontNotes } from '../../adapters/soundfont';
import { encodeWav16 } from '../../shared/audio/encode';
import { CLASSES, SAMPLE_RATE } from '../../shared/constants';
import {
  augmentPlannedClip,
  buildManifest,
  CONTEXT_BEFORE,
  ContextBefore,
  datasetStats,
  GENERATED_SOURCES,
  GeneratedSource,
  manifestClipOf,
  PlannedClip,
  planDataset,
  mixSoundfontContext,
  prepareSoundfontClip,
  renderSynthClip,
} from '../../shared/dataset/generate';
import { assignSplits, summarizeGroups } from '../../shared/dataset/splits';
import { MANIFEST_FILE, ManifestClip, ManifestGroup, Split } from '../../shared/dataset/types';
import { intOption, parseCommandArgs, UsageError } from '../args';
import { readLabelledRecordings } from '../recordings';

const HELP = `Usage:
  buzzfinder dataset --out <dir> [--size N] [--seed S] [--sources synth,soundfont] [--soundfont-share F]
                     [--context-share F] [--soundfont-context-share F] [--context-before note|run] [--no-augment]
                     [--soundfont <file.sf2>] [--force]
  buzzfinder dataset import <folder-or-take.wav> [--labels <csv>] --out <dir> [--seed S] [--force]

Generate: writes <dir>/{buzzy,clean,muted}/*.wav (2 s, mono, 22050 Hz, 16-bit, onset at 0.1 s) and
<dir>/manifest.json (class, source, group, split, MIDI, generator parameters, augmentations per clip).
Same seed, same options -> byte-identical WAVs and manifest (except its "created" time).
  --size N             total clips, balanced over the 3 classes (default 3000)
  --seed S             integer seed (default 1)
  --sources LIST       synth (required: it supplies the buzzy class), soundfont (default: synth,soundfont)
  --soundfont-share F  fraction of the clean and of the muted clips rendered from the soundfont (default 0.25)
  --context-share F    fraction of the synth clips that also hold neighbouring notes (one ringing in from before,
                       notes played after), as clips cut from a take do (default 0.4; 0 = isolated notes)
  --soundfont-context-share F
                       the same for the soundfont clips: other recorded notes of their split mixed in (default 0)
  --context-before note|run
                       what rings in from before a clip's onset: at most one note (default), or a run of notes
                       played before it, up to 3 s back, as inside a take
  --no-augment         skip augmentation
  --soundfont FILE     .sf2 to render (default /usr/share/sounds/sf2/FluidR3_GM.sf2)
  --force              replace an existing dataset in <dir> (removes its manifest and class-folder WAVs)
  --workers N          threads rendering synth clips (default: CPU count, max 4; output is identical for any N)
The soundfont source needs fluidsynth: run scripts/install-soundfont.sh.

Import: see 'buzzfinder dataset import --help'.
Prints a JSON summary (id, counts per class/source/split, timings) to stdout.`;

/** A fraction option in [0, max], or undefined when not given (the planner's default then applies). */
function shareOption(value: string | undefined, name: string, max = 1): number | undefined {
  if (value === undefined) return undefined;
  const share = Number(value);
  if (!(share >= 0 && share <= max)) throw new UsageError(`--${name} must be a number in [0, ${max}], got '${value}'`);
  return share;
}

/** Refuses to mix a new dataset into an old one unless --force; with --force removes only what a dataset consists of. */
export function prepareOutDir(out: string, force: boolean): void {
  fs.mkdirSync(out, { recursive: true });
  const manifest = path.join(out, MANIFEST_FILE);
  const existing = CLASSES.flatMap((c) => {
    const dir = path.join(out, c);
    return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.toLowerCase().endsWith('.wav')).map((f) => path.join(dir, f)) : [];
  });
  if (fs.existsSync(manifest) || existing.length > 0) {
    if (!force) throw new UsageError(`${out} already holds a dataset (manifest.json or class-folder WAVs); use --force to replace it`);
    fs.rmSync(manifest, { force: true });
    for (const f of existing) fs.rmSync(f, { force: true });
  }
  for (const c of CLASSES) fs.mkdirSync(path.join(out, c), { recursive: true });
}

function parseContextBefore(value: string | undefined): ContextBefore | undefined {
  if (value !== undefined && !(CONTEXT_BEFORE as readonly string[]).includes(value)) {
    throw new UsageError(`--context-before must be one of ${CONTEXT_BEFORE.join(', ')}, got '${value}'`);
  }
  return value as ContextBefore | undefined;
}

function parseSources(value: string | undefined): GeneratedSource[] {
  const list = (value ?? 'synth,soundfont').split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of list) {
    if (!(GENERATED_SOURCES as readonly string[]).includes(s)) throw new UsageError(`--sources: unknown source '${s}' (use ${GENERATED_SOURCES.join(',')})`);
  }
  if (!list.includes('synth')) throw new UsageError('--sources must include synth (the only source of buzzy clips)');
  return [...new Set(list)] as GeneratedSource[];
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

interface RenderedClip {
  file: string;
  hash: string;
  clip: ManifestClip;
}

/** Renders, augments, encodes and writes synth clips; returns their manifest entries and WAV hashes. */
function renderSynthToFiles(out: string, clips: readonly PlannedClip[], splits: Record<string, Split>, onProgress?: () => void): RenderedClip[] {
  return clips.map((clip) => {
    const { samples, applied } = augmentPlannedClip(clip, renderSynthClip(clip));
    const bytes = encodeWav16(samples, SAMPLE_RATE);
    fs.writeFileSync(path.join(out, clip.file), bytes);
    onProgress?.();
    return { file: clip.file, hash: sha256(bytes), clip: manifestClipOf(clip, splits[clip.group], applied) };
  });
}

const WORKER_KIND = 'buzzfinder-dataset-synth-worker';
interface WorkerInput {
  kind: typeof WORKER_KIND;
  out: string;
  clips: PlannedClip[];
  splits: Record<string, Split>;
}

// Worker-thread entry: this same module, loaded in a worker, renders its share of the synth clips.
if (!isMainThread && (workerData as WorkerInput | null)?.kind === WORKER_KIND) {
  const input = workerData as WorkerInput;
  let done = 0;
  const result = renderSynthToFiles(input.out, input.clips, input.splits, () => {
    if (++done % 100 === 0) parentPort?.postMessage({ progress: 100 });
  });
  parentPort?.postMessage({ progress: done % 100, result });
}

/**
 * Renders synth clips on `workers` threads (each clip is independent and seeded on its own, so the output
 * is identical for any number of workers). Falls back to this thread when workers = 1.
 */
export async function renderSynthClipsParallel(options: {
  out: string;
  clips: readonly PlannedClip[];
  splits: Record<string, Split>;
  workers: number;
  onProgress?: (n: number) => void;
}): Promise<RenderedClip[]> {
  const { out, clips, splits, onProgress } = options;
  const workers = Math.max(1, Math.min(options.workers, Math.ceil(clips.length / 50)));
  if (workers === 1) return renderSynthToFiles(out, clips, splits, () => onProgress?.(1));
  const chunks: PlannedClip[][] = Array.from({ length: workers }, () => []);
  clips.forEach((c, i) => chunks[i % workers].push(c));
  const bootstrap = `require('tsx/cjs'); require(${JSON.stringify(__filename)});`;
  const results = await Promise.all(
    chunks.map(
      (chunk) =>
        new Promise<RenderedClip[]>((resolve, reject) => {
          const worker = new Worker(bootstrap, { eval: true, workerData: { kind: WORKER_KIND, out, clips: chunk, splits } satisfies WorkerInput });
          let result: RenderedClip[] | null = null;
          worker.on('message', (m: { progress: number; result?: RenderedClip[] }) => {
            if (m.progress) onProgress?.(m.progress);
            if (m.result) result = m.result;
          });
          worker.on('error', reject);
          worker.on('exit', (code) => (result ? resolve(result) : reject(new Error(`dataset worker exited with code ${code} before finishing`))));
        }),
    ),
  );
  return results.flat();
}

export function defaultWorkers(): number {
  return Math.max(1, Math.min(4, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length));
}

export async function runGenerate(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    {
      out: { type: 'string' },
      size: { type: 'string' },
      seed: { type: 'string' },
      sources: { type: 'string' },
      'soundfont-share': { type: 'string' },
      'context-share': { type: 'string' },
      'soundfont-context-share': { type: 'string' },
      'context-before': { type: 'string' },
      'no-augment': { type: 'boolean' },
      soundfont: { type: 'string' },
      force: { type: 'boolean' },
      workers: { type: 'string' },
    },
    HELP,
    false,
  );
  if (!values.out) throw new UsageError('--out <dir> is required');
  const size = intOption(values.size, 'size', 3000, 3);
  const seed = intOption(values.seed, 'seed', 1, 0);
  const workers = intOption(values.workers, 'workers', defaultWorkers(), 1);
  const sources = parseSources(values.sources);
  const share = shareOption(values['soundfont-share'], 'soundfont-share', 0.9);
  const contextShare = shareOption(values['context-share'], 'context-share');
  const soundfontContextShare = shareOption(values['soundfont-context-share'], 'soundfont-context-share');
  const contextBefore = parseContextBefore(values['context-before']);
  const started = Date.now();
  // Fail before any work if the soundfont source cannot run.
  const setup = sources.includes('soundfont') ? findSoundfontSetup({ soundfont: values.soundfont }) : null;
  const plan = planDataset({ size, seed, sources, soundfontShare: share, contextShare, soundfontContextShare, contextBefore, augment: !values['no-augment'] });
  const out = path.resolve(values.out);
  prepareOutDir(out, values.force === true);

  const manifestClips: ManifestClip[] = [];
  const hashes = new Map<string, string>();
  const write = (file: string, samples: Float32Array) => {
    const bytes = encodeWav16(samples, SAMPLE_RATE);
    fs.writeFileSync(path.join(out, file), bytes);
    hashes.set(file, sha256(bytes));
  };
  // The soundfont renders in its own process: start it first so it overlaps the synth rendering.
  const sfClips = plan.clips.filter((c) => c.source === 'soundfont');
  const sfStarted = Date.now();
  const sfRender = setup && sfClips.length > 0 ? renderSoundfontNotes(sfClips.map((c) => c.soundfont!), { setup, concurrency: 1 }) : null;
  sfRender?.catch(() => undefined); // awaited below; avoid an unhandled rejection while the synth runs
  const synthClips = plan.clips.filter((c) => c.source === 'synth');
  const synthStarted = Date.now();
  const splits = Object.fromEntries(Object.entries(plan.groups).map(([g, info]) => [g, info.split]));
  let done = 0;
  const rendered = await renderSynthClipsParallel({
    out,
    clips: synthClips,
    splits,
    workers,
    onProgress: (n) => {
      const before = done;
      done += n;
      if (Math.floor(done / 500) > Math.floor(before / 500)) process.stderr.write(`dataset: ${done}/${synthClips.length} synth clips\n`);
    },
  });
  for (const r of rendered) {
    hashes.set(r.file, r.hash);
    manifestClips.push(r.clip);
  }
  const synthSeconds = (Date.now() - synthStarted) / 1000;

  let soundfontSeconds = 0;
  let offsetsMs: number[] = [];
  if (sfRender) {
    const rendered = await sfRender;
    offsetsMs = rendered.report.offsetsMs;
    const renderOf = new Map(sfClips.map((clip, k) => [clip.index, rendered.clips[k]]));
    sfClips.forEach((clip, k) => {
      const mixed = mixSoundfontContext(clip, rendered.clips[k], (index) => renderOf.get(index)!);
      const prepared = prepareSoundfontClip(clip, mixed);
      const { samples, applied } = augmentPlannedClip(clip, prepared.samples);
      write(clip.file, samples);
      manifestClips.push(manifestClipOf(clip, plan.groups[clip.group].split, [prepared.applied, ...applied]));
    });
    soundfontSeconds = (Date.now() - sfStarted) / 1000;
  }

  const manifest = buildManifest({
    clips: manifestClips,
    wavHashes: hashes,
    sources,
    created: new Date().toISOString(),
    seed,
    groups: plan.groups,
  });
  fs.writeFileSync(path.join(out, MANIFEST_FILE), JSON.stringify(manifest, null, 1) + '\n');
  const sortedOffsets = [...offsetsMs].sort((a, b) => a - b);
  const result = {
    out,
    id: manifest.id,
    seed,
    sources,
    stats: datasetStats(manifest.clips),
    seconds: { total: (Date.now() - started) / 1000, synth: synthSeconds, soundfont: soundfontSeconds },
    ...(sortedOffsets.length ? { soundfontOnsetOffsetMs: { median: sortedOffsets[sortedOffsets.length >> 1], min: sortedOffsets[0], max: sortedOffsets[sortedOffsets.length - 1] } } : {}),
  };
  process.stdout.write(JSON.stringify(result) + '\n');
  return 0;
}

const IMPORT_HELP = `Usage: buzzfinder dataset import <folder-or-take.wav> [--labels <csv>] --out <dir> [--seed S] [--force]

Converts your own labelled recordings into the dataset format (source 'recorded'):
  <folder>     class subfolders buzzy/ clean/ muted/ of WAVs (any format/rate; nested subfolders allowed),
               or, without such subfolders, WAVs with the class in their name (e.g. gu_buzzy4.wav).
               A file up to 2.5 s is one clip: its onset (first 10 ms frame whose energy rises above 10% of
               the peak and 4x the noise floor) is moved to 0.1 s, then it is trimmed/padded to 2 s.
               A longer file is split at the onsets found by detectOnsets, every clip taking the folder's class.
               Group = the nested subfolder (e.g. clean/my-strat/x.wav -> my-strat) or else the file.
  <take.wav> --labels <csv>
               a long take and a CSV of onset_sec,label[,midi] rows: one clip per row starting 0.1 s before
               the onset. Group = the take file.
Splits are assigned by group (~70/15/15 of groups, seed --seed, default 0). Prints a JSON summary.`;

export async function runImport(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { labels: { type: 'string' }, out: { type: 'string' }, seed: { type: 'string' }, force: { type: 'boolean' } }, IMPORT_HELP);
  if (positionals.length !== 1) throw new UsageError('dataset import needs exactly one <folder-or-take.wav>');
  if (!values.out) throw new UsageError('--out <dir> is required');
  const seed = intOption(values.seed, 'seed', 0, 0);
  const sourceClips = readLabelledRecordings(path.resolve(positionals[0]), { labels: values.labels });

  const out = path.resolve(values.out);
  prepareOutDir(out, values.force === true);
  const clips: ManifestClip[] = sourceClips.map((s, i) => ({
    file: `${s.imported.label}/recorded-${String(i).padStart(6, '0')}.wav`,
    label: s.imported.label,
    source: 'recorded',
    group: s.group,
    split: 'train',
    ...(s.imported.midi !== undefined ? { midi: s.imported.midi } : {}),
    params: { original: s.original, originalSampleRate: s.sampleRate, onsetSec: s.imported.onsetSec, onsetFrom: s.imported.onsetFrom },
    augmentations: [],
  }));
  const splits = assignSplits(summarizeGroups(clips), { seed });
  const hashes = new Map<string, string>();
  const groups: Record<string, ManifestGroup> = {};
  clips.forEach((c, i) => {
    c.split = splits.get(c.group)!;
    groups[c.group] ??= { source: 'recorded', split: c.split, params: { original: sourceClips[i].original } };
    const bytes = encodeWav16(sourceClips[i].imported.samples, SAMPLE_RATE);
    fs.writeFileSync(path.join(out, c.file), bytes);
    hashes.set(c.file, sha256(bytes));
  });
  const manifest = buildManifest({ clips, wavHashes: hashes, sources: ['recorded'], created: new Date().toISOString(), groups });
  fs.writeFileSync(path.join(out, MANIFEST_FILE), JSON.stringify(manifest, null, 1) + '\n');
  process.stdout.write(JSON.stringify({ out, id: manifest.id, stats: datasetStats(manifest.clips) }) + '\n');
  return 0;
}

export async function run(argv: string[]): Promise<number> {
  if (argv[0] === 'import') return runImport(argv.slice(1));
  return runGenerate(argv);
}
