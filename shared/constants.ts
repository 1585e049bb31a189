/**
 * The one source of truth for buzzfinder's fixed numbers and names.
 * Everything that must agree with the original Python project (librosa 0.9.2 + Keras) lives here.
 */

/** Every model input is computed at this rate (librosa.load's default). */
export const SAMPLE_RATE = 22050;

/** A clip is the model's input window: 2 s, starting shortly before the note's onset (the two constants below). */
export const CLIP_SECONDS = 2;
export const CLIP_SAMPLES = SAMPLE_RATE * CLIP_SECONDS; // 44100
/** Where training clips (generated, rendered, imported) put the note's onset: the original project's 0.1 s. */
export const PRE_ONSET_SECONDS = 0.1;
/**
 * How far before a detected onset the report cuts the note's clip: 20 ms more than PRE_ONSET_SECONDS. Chosen on
 * validation takes by a rule written beforehand (docs/report.md, "The clip's lead"): with the onset
 * at 0.12 s the models hear mutes inside takes much better (held-out FluidR3 takes +3 to +5 pp). Training clips
 * have ±30 ms of onset jitter, so 0.12 s is inside what the models learnt.
 */
export const REPORT_PRE_ONSET_SECONDS = 0.12;

/** Class order of every probability vector, model output and report. Never reorder. */
export const CLASSES = ['buzzy', 'clean', 'muted'] as const;
export type ToneClass = (typeof CLASSES)[number];

export function isToneClass(value: unknown): value is ToneClass {
  return typeof value === 'string' && (CLASSES as readonly string[]).includes(value);
}

/** The seed's "comprehensive MFCC": librosa.feature.mfcc + delta + delta-delta, 87 frames x 39. */
export const MFCC_PARAMS = {
  sampleRate: SAMPLE_RATE,
  nFft: 2048,
  hopLength: 512,
  nMels: 128,
  nMfcc: 13,
  fMin: 0,
  fMax: SAMPLE_RATE / 2,
  topDb: 80,
  amin: 1e-10,
  deltaWidth: 9,
} as const;

/** 1 + floor(44100 / 512) frames with center=True. */
export const FEATURE_FRAMES = 1 + Math.floor(CLIP_SAMPLES / MFCC_PARAMS.hopLength); // 87
export const FEATURE_COEFFS = MFCC_PARAMS.nMfcc * 3; // 39

/** Input sample rates we accept (librosa itself would take anything; these are what real recorders produce). */
export const MIN_INPUT_SAMPLE_RATE = 8000;
export const MAX_INPUT_SAMPLE_RATE = 192000;

/** Default cap on an uploaded WAV, overridable by configuration. */
export const DEFAULT_MAX_INPUT_BYTES = 1024 * 1024 * 1024;

/**
 * "Not a note" (shared/no-note.ts): a clip is refused as a note when its loudest 46 ms frame is quieter than
 * `silenceFloorDb` (dBFS RMS), when its frame levels vary less than `minLevelRangeDb` (stationary noise: hum,
 * hiss, room tone — no attack, no decay), or when the model's top probability is below `minConfidence`.
 * Chosen on generated data by `npx tsx scripts/no-note-thresholds.ts` (docs/cloud.md has its output); re-run it
 * when the default model changes and copy the suggested minConfidence here.
 */
export const NO_NOTE_THRESHOLDS = {
  silenceFloorDb: -80,
  minLevelRangeDb: 3,
  minConfidence: 0.35,
} as const;
/** Frame length of the no-note level measurement (46 ms at SAMPLE_RATE). */
export const NO_NOTE_FRAME_SAMPLES = 1024;
