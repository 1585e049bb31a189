/** Shared test parts for the cloud functions: a real (tiny, untrained) seed-CNN artifact and log capture. */
import { CLASSES } from '../../shared/constants';
import { LOG_MEL_PIPELINE } from '../../shared/features/log-mel';
import { FeaturePipeline, pipelineShape, SEED_PIPELINE, STANDARDIZED_PIPELINE } from '../../shared/features/pipeline';
import { buildArchitecture, buildSeedCnn, INPUT_SHAPE, SEED_CNN } from '../../shared/model/architecture';
import { RES_CNN } from '../../shared/model/res-cnn';
import { saveModelArtifact } from '../../shared/model/artifact';
import { ModelMetadata } from '../../shared/model/metadata';
import { ObjectStore } from '../../shared/storage/types';
import { initTf } from '../../adapters/tf-backend';
import { setLogSink } from '../../functions/logger';

export async function saveTinyModel(
  store: ObjectStore,
  prefix: string,
  options: { name?: string; version: string; seed?: number; normalization?: 'none' | 'per-clip-standardize' | 'log-mel' },
): Promise<ModelMetadata> {
  await initTf();
  // 'log-mel': the res-cnn on the log-mel pipeline (a default model that takes no MFCCs).
  const logMel = options.normalization === 'log-mel';
  const pipeline: FeaturePipeline = logMel ? LOG_MEL_PIPELINE : options.normalization === 'per-clip-standardize' ? STANDARDIZED_PIPELINE : SEED_PIPELINE;
  const inputShape: [number, number, number] = logMel ? [...pipelineShape(pipeline), 1] : [...INPUT_SHAPE];
  const model = logMel ? buildArchitecture(RES_CNN, { seed: options.seed ?? 7, inputShape }) : buildSeedCnn({ seed: options.seed ?? 7 });
  const metadata: ModelMetadata = {
    format: 'buzzfinder-model',
    formatVersion: 1,
    name: options.name ?? 'buzzfinder',
    version: options.version,
    created: new Date().toISOString(),
    classes: [...CLASSES],
    architecture: logMel ? RES_CNN : SEED_CNN,
    inputShape,
    featurePipeline: pipeline,
    origin: 'trained',
    parentVersion: null,
  };
  await saveModelArtifact(store, prefix, model, metadata);
  model.dispose();
  return metadata;
}

/**
 * Collects structured log lines while a suite runs, and what the functions framework prints with console.error
 * when a handler throws (sendCrashResponse: the error's stack) — the suites make handlers throw on purpose, and
 * the stacks would otherwise fill the output of a passing run.
 */
export function captureLogs(): { lines: () => Record<string, unknown>[]; crashes: () => string[]; restore: () => void } {
  const captured: string[] = [];
  const crashes: string[] = [];
  const previous = setLogSink((line) => captured.push(line));
  const consoleError = console.error;
  console.error = (...args: unknown[]) => void crashes.push(args.map(String).join(' '));
  return {
    lines: () => captured.map((l) => JSON.parse(l) as Record<string, unknown>),
    crashes: () => [...crashes],
    restore: () => {
      setLogSink(previous);
      console.error = consoleError;
    },
  };
}

/** A 440 Hz-ish decaying pluck as mono samples (deterministic, no randomness). */
export function pluck(seconds: number, sampleRate: number, hz = 196): Float32Array {
  const n = Math.round(seconds * sampleRate);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / sampleRate;
    out[i] = 0.5 * Math.exp(-3 * t) * (Math.sin(2 * Math.PI * hz * t) + 0.3 * Math.sin(2 * Math.PI * 2 * hz * t));
  }
  return out;
}

/** A tiny labelled dataset (manifest + WAVs): three timbres that a CNN can start to tell apart. */
export async function saveTinyDataset(store: ObjectStore, prefix: string, perClass = { train: 3, validation: 1 }): Promise<void> {
  const { encodeWav16 } = await import('../../shared/audio/encode');
  const { SAMPLE_RATE } = await import('../../shared/constants');
  const clips: Record<string, unknown>[] = [];
  for (const label of CLASSES) {
    for (const split of ['train', 'validation'] as const) {
      for (let i = 0; i < perClass[split]; i++) {
        const hz = 150 + 40 * i + (split === 'validation' ? 13 : 0);
        const s = pluck(2, SAMPLE_RATE, hz);
        for (let k = 0; k < s.length; k++) {
          if (label === 'buzzy') s[k] = Math.max(-0.2, Math.min(0.2, s[k] * 3)) + 0.02 * Math.sin(k * 1.7);
          if (label === 'muted') s[k] *= Math.exp(-20 * (k / SAMPLE_RATE));
        }
        const file = `${label}/${split}-${i}.wav`;
        await store.write(`${prefix}/${file}`, encodeWav16(s, SAMPLE_RATE));
        clips.push({ file, label, source: 'synth', group: `${split}-g${i}`, split });
      }
    }
  }
  const manifest = { format: 'buzzfinder-dataset', version: 1, id: `tiny-${prefix}`, created: new Date(0).toISOString(), sources: ['synth'], clips };
  await store.write(`${prefix}/manifest.json`, JSON.stringify(manifest));
}
