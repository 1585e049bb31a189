/** The model commands as a user runs them: child processes on a tiny generated dataset. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLASSES } from '../../shared/constants';
import { readReferenceJson, referencePath } from '../helpers/reference';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin', 'buzzfinder.js');

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('model CLI commands', () => {
  let tmp: string;
  const realClip = () => referencePath('real-clips', 'gu_clean14.wav');

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-model-cli-'));
    const ds = cli('dataset', '--out', path.join(tmp, 'ds'), '--size', '30', '--seed', '3', '--sources', 'synth', '--workers', '1', '--no-augment');
    expect(ds.code).toBe(0);
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('train -> artifact, metrics and learning curve; classify and evaluate use it', () => {
    const out = path.join(tmp, 'model');
    const train = cli('train', '--data', path.join(tmp, 'ds'), '--out', out, '--epochs', '2', '--seed', '1', '--batch-size', '8', '--learning-rate', '0.001');
    expect(train.code).toBe(0);
    expect(train.stderr).toMatch(/epoch 2\/2 .* val_loss/);
    const summary = JSON.parse(train.stdout);
    expect(summary.epochsRun).toBe(2);
    for (const f of ['model.json', 'weights.bin', 'metadata.json', 'metrics.json', 'learning-curve.svg']) expect(fs.existsSync(path.join(out, f))).toBe(true);
    const meta = JSON.parse(fs.readFileSync(path.join(out, 'metadata.json'), 'utf8'));
    expect(meta.featurePipeline.normalization).toBe('per-clip-standardize');
    expect(meta.training.config.seed).toBe(1);
    expect(meta.history).toHaveLength(2);

    const wav = path.join(tmp, 'ds', fs.readdirSync(path.join(tmp, 'ds', 'muted'))[0] ? 'muted' : 'clean');
    const first = path.join(wav, fs.readdirSync(wav)[0]);
    const classify = cli('classify', realClip(), first, '--model', out, '--json');
    const results = JSON.parse(classify.stdout);
    // A 2-epoch model may be unsure of a clip: that clip is no_note (label kept) and the exit status is 1.
    const errors = results.filter((r: { error?: unknown }) => r.error).map((r: { error: { code: string } }) => r.error.code);
    expect(errors.every((c: string) => c === 'no_note')).toBe(true);
    expect(classify.code).toBe(errors.length > 0 ? 1 : 0);
    expect(results.map((r: { file: string }) => r.file)).toEqual([realClip(), first]);
    for (const r of results) {
      expect(CLASSES).toContain(r.label);
      expect(r.confidence).toBe(r.probabilities[r.label]);
      expect(r.probabilities.buzzy + r.probabilities.clean + r.probabilities.muted).toBeCloseTo(1, 5);
    }

    const evaluate = cli('evaluate', '--model', out, '--data', path.join(tmp, 'ds'), '--json');
    expect(evaluate.code).toBe(0);
    const report = JSON.parse(evaluate.stdout);
    expect(report.split).toBe('test');
    expect(report.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(report.n);
    expect(Object.keys(report.bySource)).toEqual(['synth']);

    const tune = cli('train', '--data', path.join(tmp, 'ds'), '--from', out, '--out', path.join(tmp, 'tuned'), '--epochs', '1', '--batch-size', '8');
    expect(tune.code).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(tmp, 'tuned', 'metadata.json'), 'utf8')).parentVersion).toBe('buzzfinder@local');
  });

  it('import-keras converts the original model, which then classifies like Keras did', () => {
    const out = path.join(tmp, 'keras');
    const imp = cli('import-keras', referencePath('keras', 'model_5to1_aug.h5'), '--out', out);
    expect(imp.code).toBe(0);
    expect(JSON.parse(imp.stdout).parameters).toBe(105_923);
    const classify = cli('classify', realClip(), '--model', out, '--json');
    expect(classify.code).toBe(0);
    const [r] = JSON.parse(classify.stdout);
    const ref = readReferenceJson<{ probs_float64_forward: number[] }>('librosa', 'real', 'gu_clean14.json');
    CLASSES.forEach((c, k) => expect(Math.abs(r.probabilities[c] - ref.probs_float64_forward[k])).toBeLessThan(0.01));
  });

  it('classify uses the bundled default model when no --model is given', () => {
    const r = cli('classify', realClip());
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/gu_clean14\.wav\s+(buzzy|clean|muted)/);
  });

  it('reports bad input with a code and a non-zero exit', () => {
    const notWav = path.join(tmp, 'not.wav');
    fs.writeFileSync(notWav, 'this is plain text, not a RIFF/WAVE file. '.repeat(4));
    const bad = cli('classify', notWav, realClip(), '--json');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/error \[not_wav\]: .*not\.wav/);
    // Each file stands alone: the bad one carries its error, the good one is still classified.
    const [badItem, goodItem] = JSON.parse(bad.stdout);
    expect(badItem).toEqual({ file: notWav, error: { code: 'not_wav', message: expect.stringMatching(/not\.wav/) } });
    expect(CLASSES).toContain(goodItem.label);
    expect(cli('classify').code).toBe(2);
    expect(cli('train', '--out', path.join(tmp, 'x')).code).toBe(2);
    const noNetwork = cli('train', '--data', path.join(tmp, 'ds'), '--out', path.join(tmp, 'x'), '--pipeline', 'log-mel');
    expect(noNetwork.code).toBe(2);
    expect(noNetwork.stderr).toMatch(/needs --architecture res-cnn/);
    expect(cli('train', '--data', path.join(tmp, 'ds'), '--out', path.join(tmp, 'x'), '--spec-augment', '1,2').code).toBe(2);
    expect(cli('import-keras', notWav, '--out', path.join(tmp, 'k2')).stderr).toMatch(/bad_keras_model/);
  });
});
