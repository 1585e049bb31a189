/**
 * `buzzfinder report <take.wav> [--model <dir>] [--json] [--overlap keep|fade|mask] [--reject-clicks]`: every note of a take —
 * when it was played, which note, and whether it rang clean, buzzed or was muted.
 * The WAV is streamed from disk in chunks (bounded memory for takes of any length).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../../adapters/config';
import { readFileInto, readFileRange } from '../../adapters/file-read';
import { defaultWorkerCount, WorkerClassifier } from '../../adapters/classifier-workers';
import { inlinePageAssets } from '../../adapters/page-assets';
import { encodeWav16 } from '../../shared/audio/encode';
import { loadAudio } from '../../shared/audio/load';
import type { ByteSource } from '../../shared/audio/source';
import { openWavStream } from '../../shared/audio/stream';
import type { ClipClassifier } from '../../shared/classifier';
import { SAMPLE_RATE } from '../../shared/constants';
import { REJECT_CLICKS } from '../../shared/onsets/detect';
import { buildTakeReport, ReportProgress } from '../../shared/report/build';
import { isOverlapPolicy, OVERLAP_POLICIES, DEFAULT_OVERLAP_POLICY } from '../../shared/report/clips';
import { EMPTY_REASON_TEXT, TakeReport, validateTakeReport } from '../../shared/report/schema';
import { renderTakeView } from '../../shared/page/take-view';
import { fileStem } from '../../shared/report/corrections';
import { parseCommandArgs, UsageError } from '../args';
import { CliError } from '../errors';
import { checkInputFile, checkModelDir, naming } from '../inputs';

const HELP = `Usage: buzzfinder report <take.wav> [--model <dir>] [--json] [--html <out.html>] [--overlap ${OVERLAP_POLICIES.join('|')}] [--reject-clicks]

Finds every note in the take, estimates its pitch and classifies its 2 s clip (from 0.12 s before the onset).
  --model <dir>   model folder (default: the bundled model, $BUZZFINDER_DEFAULT_MODEL_DIR or models/default)
  --json          print the report as JSON (format "buzzfinder-report", version 2; see docs/report.md)
  --html FILE     also write the take page as one self-contained HTML file (waveform, coloured notes, listen,
                  relabel, export labels; the audio is embedded at 22050 Hz mono, so it plays offline)
  --overlap P     what a clip holds after the next note starts: ${OVERLAP_POLICIES.join(', ')} (default ${DEFAULT_OVERLAP_POLICY})
  --reject-clicks drop onsets with nothing left 35 ms later (handling noise, pick clicks); may drop very short muted notes
  -h, --help      show this help
Without --json: a table (time, note, label, confidence) and a summary; a progress bar on stderr when it is a terminal.`;


/** A ByteSource over a local file, read with positional reads (never the whole file at once). */
export async function fileSource(file: string): Promise<{ source: ByteSource; close: () => Promise<void> }> {
  checkInputFile(file);
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, 'r');
  } catch (err) {
    throw new CliError('unreadable', `${file}: ${(err as Error).message}`);
  }
  const stat = await handle.stat();
  return {
    source: {
      size: stat.size,
      read: (offset, length) => readFileRange(handle, offset, Math.max(0, Math.min(length, stat.size - offset))),
      readInto: (offset, target) => readFileInto(handle, offset, target.subarray(0, Math.max(0, Math.min(target.length, stat.size - offset)))),
    },
    close: () => handle.close(),
  };
}

/** Batches queued per worker: one being classified, one waiting, so a worker never idles on the main thread. */
const BATCHES_PER_WORKER = 2;

interface ReportClassifier {
  classifier: ClipClassifier;
  /** Classifier calls buildTakeReport may leave running. */
  inFlightBatches: number;
  /** Resolves once the model is loaded (rejects with its error); awaited so a take with no notes still checks it. */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * The classifier for a report: worker threads (they load tfjs and the model while this thread reads the take),
 * or, with BUZZFINDER_REPORT_WORKERS=0, tfjs in this thread.
 */
async function startClassifier(dir: string, workers: number): Promise<ReportClassifier> {
  checkModelDir(dir);
  if (workers > 0) {
    const pool = new WorkerClassifier(dir, workers);
    return { classifier: pool, inFlightBatches: BATCHES_PER_WORKER * workers, ready: pool.ready, close: () => pool.close() };
  }
  /* eslint-disable @typescript-eslint/no-require-imports -- tfjs only when classifying in this thread */
  const { initTf } = require('../../adapters/tf-backend') as typeof import('../../adapters/tf-backend');
  const { loadClassifier } = require('../../shared/model/classifier') as typeof import('../../shared/model/classifier');
  const { LocalFolderStore } = require('../../adapters/storage/local') as typeof import('../../adapters/storage/local');
  /* eslint-enable @typescript-eslint/no-require-imports */
  await initTf();
  const classifier = await loadClassifier(new LocalFolderStore(dir), '');
  return { classifier, inFlightBatches: 1, ready: Promise.resolve(), close: async () => classifier.dispose() };
}

export function formatTime(sec: number): string {
  const m = Math.floor(sec / 60);
  const s = sec - m * 60;
  return `${String(m).padStart(2, '0')}:${s.toFixed(3).padStart(6, '0')}`;
}

export function formatReportTable(report: TakeReport): string {
  const lines = [`${report.source}: ${report.durationSec.toFixed(1)} s, model ${report.model.name} ${report.model.version}`, ''];
  lines.push(`${'#'.padStart(4)}  ${'time'.padEnd(9)}  ${'note'.padEnd(4)}  ${'label'.padEnd(5)}  confidence`);
  for (const n of report.notes) {
    const noNote = n.noNote ? `  not a note (${n.noNote.reason}, ${n.noNote.levelDb.toFixed(1)} dBFS)` : '';
    lines.push(`${String(n.index + 1).padStart(4)}  ${formatTime(n.onsetSec)}  ${(n.pitch?.name ?? '-').padEnd(4)}  ${n.label.padEnd(5)}  ${(n.confidence * 100).toFixed(1).padStart(5)}%${noNote}`);
  }
  const s = report.summary;
  lines.push('', `${s.notes} notes: ${s.clean} clean, ${s.buzzy} buzzy, ${s.muted} muted${s.noNote ? `, ${s.noNote} not a note` : ''}`);
  const empty = report.analysis?.emptyReason;
  if (empty) lines.push(`No notes: ${EMPTY_REASON_TEXT[empty]}.`);
  return lines.join('\n') + '\n';
}

function progressBar(): { update: (p: ReportProgress) => void; done: () => void } {
  const width = 30;
  let last = -1;
  return {
    update: (p) => {
      const f = p.totalSec > 0 ? Math.min(1, p.processedSec / p.totalSec) : 0;
      const pct = Math.floor(f * 100);
      if (pct === last) return;
      last = pct;
      const filled = Math.round(f * width);
      process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(pct).padStart(3)}%  ${p.notes} notes`);
    },
    done: () => process.stderr.write('\r' + ' '.repeat(width + 30) + '\r'),
  };
}

/** The take page as one file: scripts, styles and the take (decoded to the analysis rate, 16-bit) inlined. */
export function writeTakePage(out: string, take: string, report: TakeReport): void {
  const audio = loadAudio(new Uint8Array(fs.readFileSync(take)));
  const wav = Buffer.from(encodeWav16(audio.samples, SAMPLE_RATE)).toString('base64');
  const html = renderTakeView({
    report,
    corrections: null,
    audioUrl: `data:audio/wav;base64,${wav}`,
    exportStem: fileStem(take),
    assets: inlinePageAssets(),
    api: null,
  });
  fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  fs.writeFileSync(out, html);
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { model: { type: 'string' }, json: { type: 'boolean' }, html: { type: 'string' }, overlap: { type: 'string' }, 'reject-clicks': { type: 'boolean' } }, HELP);
  if (positionals.length !== 1) throw new UsageError(`expected exactly one take (WAV file), got ${positionals.length}`);
  const overlap = values.overlap ?? DEFAULT_OVERLAP_POLICY;
  if (!isOverlapPolicy(overlap)) throw new UsageError(`--overlap must be one of ${OVERLAP_POLICIES.join(', ')}, got '${values.overlap}'`);
  const file = positionals[0];
  const config = loadConfig();
  const { source, close } = await fileSource(file);
  let model: ReportClassifier | undefined;
  try {
    let wav;
    try {
      wav = await openWavStream(source, { maxBytes: config.maxUploadBytes, reuseChunks: true });
    } catch (err) {
      throw naming(file, err);
    }
    model = await startClassifier(values.model ?? config.defaultModelDir, config.reportWorkers ?? defaultWorkerCount());
    // Only draw a progress bar for people watching long takes.
    const bar = !values.json && process.stderr.isTTY && wav.durationSec > 20 ? progressBar() : null;
    const detector = values['reject-clicks'] ? REJECT_CLICKS : undefined;
    const built = await buildTakeReport({ source: file, audio: wav, classifier: model.classifier, inFlightBatches: model.inFlightBatches, overlap, detector, onProgress: bar?.update });
    await model.ready;
    const report = validateTakeReport(built);
    bar?.done();
    if (values.html) {
      writeTakePage(values.html, file, report);
      process.stderr.write(`wrote ${values.html}\n`);
    }
    process.stdout.write(values.json ? JSON.stringify(report, null, 2) + '\n' : formatReportTable(report));
    return 0;
  } finally {
    await model?.close();
    await close();
  }
}
