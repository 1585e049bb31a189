/**
 * The dataset format: `<dir>/{buzzy,clean,muted}/*.wav` (2 s mono 22050 Hz 16-bit, onset at 0.1 s)
 * plus `manifest.json`. A user's own folder of class subfolders (no manifest) is a dataset too.
 */
import type { ToneClass } from '../constants';

export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_VERSION = 1;

export type Split = 'train' | 'validation' | 'test';
export const SPLITS: readonly Split[] = ['train', 'validation', 'test'];

/** Where a clip came from: our waveguide synthesiser, a rendered soundfont, or a user's recording. */
export type ClipSource = 'synth' | 'soundfont' | 'recorded';

export interface ManifestClip {
  /** Path relative to the dataset root, e.g. `clean/synth-000123.wav`. */
  file: string;
  label: ToneClass;
  source: ClipSource;
  /** The instrument / soundfont program / recording the clip belongs to; splits never divide a group. */
  group: string;
  split: Split;
  /** MIDI note number when known. */
  midi?: number;
  /** Generator parameters (synth), render settings (soundfont) or provenance (import). */
  params?: Record<string, unknown>;
  /** Augmentations applied, in order, with their parameters. */
  augmentations?: { name: string; [param: string]: unknown }[];
}

export interface Manifest {
  format: 'buzzfinder-dataset';
  version: typeof MANIFEST_VERSION;
  /** Content hash of the clip list and labels: identifies the dataset in model metadata. */
  id: string;
  created: string;
  seed?: number;
  sources: ClipSource[];
  clips: ManifestClip[];
  /** Per-group details (optional): the synthetic instrument, soundfont program or recording behind each group. */
  groups?: Record<string, ManifestGroup>;
}

/** What a group is: shared by all of its clips, so stored once. */
export interface ManifestGroup {
  source: ClipSource;
  split: Split;
  /** Synth: the instrument (guitar, pickup/mic, room, noise floor); soundfont: program and register; recorded: provenance. */
  params?: Record<string, unknown>;
}

/** A decoded clip ready for feature extraction. */
export interface LabelledClip extends ManifestClip {
  /** CLIP_SAMPLES mono float samples at SAMPLE_RATE. */
  samples: Float32Array;
}
