import { CLASSES, FEATURE_COEFFS, FEATURE_FRAMES } from '../../shared/constants';
import { SEED_PIPELINE } from '../../shared/features/pipeline';
import { SEED_CNN } from '../../shared/model/architecture';
import { ModelMetadata } from '../../shared/model/metadata';

/** Metadata of an untrained seed CNN (seeded weights) used as a real tfjs model in report tests. */
export function untrainedSeedMetadata(name = 'seed-untrained'): ModelMetadata {
  return {
    format: 'buzzfinder-model',
    formatVersion: 1,
    name,
    version: 'test',
    created: '2026-01-01T00:00:00.000Z',
    classes: [...CLASSES],
    architecture: SEED_CNN,
    inputShape: [FEATURE_FRAMES, FEATURE_COEFFS, 1],
    featurePipeline: SEED_PIPELINE,
    origin: 'trained',
    parentVersion: null,
  };
}
