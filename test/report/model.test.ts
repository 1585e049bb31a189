/** End to end with a real tfjs model (the seed CNN, seeded initial weights) behind ClipClassifier. */
import { initTf } from '../../adapters/tf-backend';
import { CLASSES } from '../../shared/constants';
import { buildSeedCnn } from '../../shared/model/architecture';
import { TfClipClassifier } from '../../shared/model/classifier';
import { buildTakeReport } from '../../shared/report/build';
import { cutClip } from '../../shared/report/clips';
import { validateTakeReport } from '../../shared/report/schema';
import { synthesizeTake } from '../../shared/synth/take';
import { untrainedSeedMetadata } from './seed-model';

describe('buildTakeReport with a tfjs classifier', () => {
  let classifier: TfClipClassifier;

  beforeAll(async () => {
    await initTf();
    classifier = new TfClipClassifier(buildSeedCnn({ seed: 3 }), untrainedSeedMetadata());
  });

  afterAll(() => classifier?.dispose());

  it('produces a valid report whose probabilities are the model output for each cut clip', async () => {
    const take = synthesizeTake({ seconds: 8, seed: 41, condition: 'mixed' });
    const report = await buildTakeReport({ source: 'take.wav', audio: { sampleRate: 22050, durationSec: 8, samples: take.samples }, classifier, batchSize: 4 });
    validateTakeReport(report);
    expect(report.model).toEqual({ name: 'seed-untrained', version: 'test' });
    expect(report.notes.length).toBeGreaterThan(2);
    const clips = report.notes.map((n, i) =>
      cutClip({ source: take.samples, onsetSample: Math.round(n.onsetSec * 22050), nextOnsetSample: i + 1 < report.notes.length ? Math.round(report.notes[i + 1].onsetSec * 22050) : null }),
    );
    const direct = await classifier.classifyClips(clips);
    report.notes.forEach((n, i) => {
      for (const c of CLASSES) expect(n.probabilities[c]).toBeCloseTo(direct[i][c], 5);
    });
  });
});
