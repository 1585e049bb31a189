/** Equal-tempered note names (A4 = 440 Hz, MIDI 69; sharps, e.g. C#4). */
const NAMES = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'] as const;

export function hzToMidiFloat(hz: number): number {
  if (!(hz > 0) || !Number.isFinite(hz)) throw new TypeError(`hzToMidiFloat: frequency must be a positive finite number, got ${hz}`);
  return 69 + 12 * Math.log2(hz / 440);
}

export function midiToHz(midi: number): number {
  return 440 * 2 ** ((midi - 69) / 12);
}

export function midiToName(midi: number): string {
  if (!Number.isInteger(midi)) throw new TypeError(`midiToName: midi must be an integer, got ${midi}`);
  return `${NAMES[((midi % 12) + 12) % 12]}${Math.floor(midi / 12) - 1}`;
}

/** Distance in cents between two frequencies (positive when `hz` is above `referenceHz`). */
export function centsBetween(hz: number, referenceHz: number): number {
  return 1200 * Math.log2(hz / referenceHz);
}

/**
 * A pitch as reports carry it: hz rounded to 0.01 Hz and the nearest note of that rounded value, so the two
 * always agree (the report validator checks it; near a note boundary the unrounded hz could round across it).
 */
export function roundedPitch(hz: number): { hz: number; midi: number; name: string } {
  const rounded = Math.round(hz * 100) / 100;
  const midi = Math.round(hzToMidiFloat(rounded));
  return { hz: rounded, midi, name: midiToName(midi) };
}
