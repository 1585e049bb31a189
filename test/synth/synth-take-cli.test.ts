import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadAudio } from '../../shared/audio/load';
import { synthesizeTake } from '../../shared/synth/take';
import { runCli } from '../dataset/cli';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'buzzfinder-take-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('buzzfinder synth-take', () => {
  it('writes the take WAV and its truth JSON, byte-identical for the same seed', () => {
    const outs = ['a', 'b'].map((n) => {
      const wav = path.join(tmp, `${n}.wav`), truth = path.join(tmp, `${n}.json`);
      const r = runCli(['synth-take', '--out', wav, '--truth', truth, '--seconds', '5', '--seed', '9', '--condition', 'overlapping']);
      expect(r.status).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ seconds: 5, condition: 'overlapping', seed: 9 });
      return { wav: fs.readFileSync(wav), truth: JSON.parse(fs.readFileSync(truth, 'utf8')) };
    });
    expect(outs[1].wav.equals(outs[0].wav)).toBe(true);
    const expected = synthesizeTake({ seconds: 5, seed: 9, condition: 'overlapping' });
    expect(outs[0].truth).toEqual(JSON.parse(JSON.stringify(expected.truth)));
    const audio = loadAudio(new Uint8Array(outs[0].wav));
    expect(audio.sampleRate).toBe(22050);
    expect(audio.samples).toHaveLength(expected.samples.length);
    expect(Math.abs(audio.samples[30000] - expected.samples[30000])).toBeLessThan(1 / 32767 + 1e-6);
  });

  it('rejects bad options with exit code 2', () => {
    const wav = path.join(tmp, 'x.wav'), truth = path.join(tmp, 'x.json');
    for (const extra of [['--condition', 'loud'], ['--seconds', '0'], ['--seed', '-1']]) {
      const r = runCli(['synth-take', '--out', wav, '--truth', truth, ...extra]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/synth-take/);
    }
    expect(runCli(['synth-take', '--out', wav]).stderr).toMatch(/--truth/);
  });
});
