/** `buzzfinder report` in-process: a real WAV on disk, a real model folder (untrained seed CNN), stdout captured. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initTf } from '../../adapters/tf-backend';
import { LocalFolderStore } from '../../adapters/storage/local';
import { formatTime } from '../../cli/commands/report';
import { encodeWav16 } from '../../shared/audio/encode';
import { buildSeedCnn } from '../../shared/model/architecture';
import { saveModelArtifact } from '../../shared/model/artifact';
import { validateTakeReport } from '../../shared/report/schema';
import { synthesizeTake } from '../../shared/synth/take';
import { runInProcess } from '../helpers/run-cli';
import { untrainedSeedMetadata } from './seed-model';

/** The CLI in this process; `out`/`err` as this file's assertions name them. */
async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const { code, stdout, stderr } = await runInProcess(argv);
  return { code, out: stdout, err: stderr };
}

describe('buzzfinder report', () => {
  let dir: string;
  let wav: string;
  let modelDir: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-report-'));
    wav = path.join(dir, 'take.wav');
    fs.writeFileSync(wav, encodeWav16(synthesizeTake({ seconds: 6, seed: 51, condition: 'mixed' }).samples, 22050));
    modelDir = path.join(dir, 'model');
    await initTf();
    const model = buildSeedCnn({ seed: 1 });
    await saveModelArtifact(new LocalFolderStore(modelDir), '', model, untrainedSeedMetadata('cli-test'));
    model.dispose();
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('--json prints a valid report', async () => {
    const r = await capture(['report', wav, '--model', modelDir, '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const report = validateTakeReport(JSON.parse(r.out));
    expect(report.source).toBe(wav);
    expect(report.sampleRate).toBe(22050);
    expect(report.model.name).toBe('cli-test');
    expect(report.notes.length).toBeGreaterThan(2);
  });

  it('an empty take: the table says why there are no notes, --json carries analysis.emptyReason', async () => {
    const silent = path.join(dir, 'silent.wav');
    fs.writeFileSync(silent, encodeWav16(new Float32Array(22050 * 2), 22050));
    const table = await capture(['report', silent, '--model', modelDir]);
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/0 notes: 0 clean, 0 buzzy, 0 muted\nNo notes: the take is silent/);
    const json = await capture(['report', silent, '--model', modelDir, '--json']);
    expect(validateTakeReport(JSON.parse(json.out)).analysis?.emptyReason).toBe('silent');
  });

  it('prints a table without --json', async () => {
    const r = await capture(['report', wav, '--model', modelDir, '--overlap', 'keep']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/#\s+time\s+note\s+label\s+confidence/);
    expect(r.out).toMatch(/^\s+1\s+00:0\d\.\d{3}\s+\S+\s+(clean|buzzy|muted)\s+\d+\.\d%( {2}not a note \((silence|noise|low_confidence), -?\d+\.\d dBFS\))?$/m);
    expect(r.out).toMatch(/\d+ notes: \d+ clean, \d+ buzzy, \d+ muted/);
    expect(formatTime(75.5)).toBe('01:15.500');
  });

  it('--reject-clicks drops non-note clicks', async () => {
    const clicky = path.join(dir, 'clicky.wav');
    const take = synthesizeTake({ seconds: 8, seed: 52, condition: 'silence-edges', clicksPerSecond: 2 });
    fs.writeFileSync(clicky, encodeWav16(take.samples, 22050));
    const plain = validateTakeReport(JSON.parse((await capture(['report', clicky, '--model', modelDir, '--json'])).out));
    const rejecting = validateTakeReport(JSON.parse((await capture(['report', clicky, '--model', modelDir, '--json', '--reject-clicks'])).out));
    const notes = take.truth.notes.length;
    expect(plain.notes.length).toBeGreaterThan(notes + 3);
    expect(rejecting.notes.length).toBeLessThan(plain.notes.length);
    expect(Math.abs(rejecting.notes.length - notes)).toBeLessThan(plain.notes.length - notes);
  });

  it('fails clearly on bad input', async () => {
    expect((await capture(['report'])).code).toBe(2);
    expect((await capture(['report', wav, '--overlap', 'drop'])).err).toMatch(/--overlap must be one of keep, fade, mask/);
    const missing = await capture(['report', path.join(dir, 'nope.wav'), '--model', modelDir]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/\[file_not_found\].*nope\.wav: no such file/);
    const notWav = path.join(dir, 'x.wav');
    fs.writeFileSync(notWav, 'hello, not a wav file at all');
    const bad = await capture(['report', notWav, '--model', modelDir, '--json']);
    expect(bad.code).toBe(1);
    expect(bad.out).toBe('');
    expect(bad.err).toMatch(/x\.wav/);
    const noModel = await capture(['report', wav, '--model', path.join(dir, 'no-model')]);
    expect(noModel.err).toMatch(/\[model_not_found\]/);
  });
});
