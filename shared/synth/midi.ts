/**
 * Minimal Standard MIDI File (format 0) writer for rendering soundfont notes: one program, notes at exact times.
 * Tempo is fixed at 120 bpm with 480 ticks per quarter, so one tick = 1/960 s and times are exact to ~1 ms.
 */

export interface MidiNoteEvent {
  /** Note-on time, seconds. */
  startSec: number;
  /** Note-off time, seconds (> startSec). */
  endSec: number;
  midi: number;
  /** 1..127 */
  velocity: number;
}

export const TICKS_PER_QUARTER = 480;
export const MICROSECONDS_PER_QUARTER = 500000; // 120 bpm
export const TICKS_PER_SECOND = (TICKS_PER_QUARTER * 1e6) / MICROSECONDS_PER_QUARTER; // 960

function varLen(value: number): number[] {
  if (!Number.isInteger(value) || value < 0 || value > 0x0fffffff) throw new RangeError(`MIDI delta out of range: ${value}`);
  const bytes = [value & 0x7f];
  let v = value >>> 7;
  while (v > 0) {
    bytes.unshift((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  return bytes;
}

/** Exact tick of a time in seconds (the renderer's note-on lands on this tick). */
export function secondsToTicks(sec: number): number {
  return Math.round(sec * TICKS_PER_SECOND);
}

export interface MidiPart {
  /** GM program, 0-based. */
  program: number;
  /** 0..15 except 9 (GM drums). */
  channel: number;
  notes: readonly MidiNoteEvent[];
}

/**
 * A format-0 SMF. Either one program (`program` + `notes`, channel 0) or several `parts`, each a program on its
 * own channel (so one renderer process loads the soundfont once for every program).
 */
export function writeMidiFile(options: { program: number; notes: readonly MidiNoteEvent[]; channel?: number } | { parts: readonly MidiPart[] }): Uint8Array {
  const parts: readonly MidiPart[] = 'parts' in options ? options.parts : [{ program: options.program, channel: options.channel ?? 0, notes: options.notes }];
  const events: { tick: number; order: number; bytes: number[] }[] = [];
  const setup: number[] = [];
  const channels = new Set<number>();
  for (const { program, channel, notes } of parts) {
    if (!Number.isInteger(program) || program < 0 || program > 127) throw new RangeError(`program must be 0..127, got ${program}`);
    if (!Number.isInteger(channel) || channel < 0 || channel > 15 || channel === 9) throw new RangeError(`channel must be 0..15 except 9, got ${channel}`);
    if (channels.has(channel)) throw new RangeError(`channel ${channel} used twice`);
    channels.add(channel);
    setup.push(0, 0xc0 | channel, program);
    // Full volume/expression, no reverb/chorus send: the dataset adds its own rooms.
    setup.push(0, 0xb0 | channel, 7, 127, 0, 0xb0 | channel, 11, 127, 0, 0xb0 | channel, 91, 0, 0, 0xb0 | channel, 93, 0);
    for (const n of notes) {
      if (!Number.isInteger(n.midi) || n.midi < 0 || n.midi > 127) throw new RangeError(`midi must be 0..127, got ${n.midi}`);
      if (!Number.isInteger(n.velocity) || n.velocity < 1 || n.velocity > 127) throw new RangeError(`velocity must be 1..127, got ${n.velocity}`);
      if (!(n.startSec >= 0) || !(n.endSec > n.startSec)) throw new RangeError(`bad note times ${n.startSec}..${n.endSec}`);
      // Note-offs sort before note-ons at the same tick so a repeated pitch is re-struck, not cut.
      events.push({ tick: secondsToTicks(n.startSec), order: 1, bytes: [0x90 | channel, n.midi, n.velocity] });
      events.push({ tick: secondsToTicks(n.endSec), order: 0, bytes: [0x80 | channel, n.midi, 0] });
    }
  }
  events.sort((a, b) => a.tick - b.tick || a.order - b.order);
  const track: number[] = [];
  track.push(0, 0xff, 0x51, 0x03, (MICROSECONDS_PER_QUARTER >> 16) & 255, (MICROSECONDS_PER_QUARTER >> 8) & 255, MICROSECONDS_PER_QUARTER & 255);
  track.push(...setup);
  let last = 0;
  for (const e of events) {
    track.push(...varLen(e.tick - last), ...e.bytes);
    last = e.tick;
  }
  track.push(0, 0xff, 0x2f, 0x00);
  const header = [0x4d, 0x54, 0x68, 0x64, 0, 0, 0, 6, 0, 0, 0, 1, (TICKS_PER_QUARTER >> 8) & 255, TICKS_PER_QUARTER & 255];
  const len = track.length;
  const trackHeader = [0x4d, 0x54, 0x72, 0x6b, (len >>> 24) & 255, (len >>> 16) & 255, (len >>> 8) & 255, len & 255];
  const bytes = new Uint8Array(header.length + trackHeader.length + len);
  bytes.set(header, 0);
  bytes.set(trackHeader, header.length);
  bytes.set(track, header.length + trackHeader.length);
  return bytes;
}
