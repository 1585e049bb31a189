import { secondsToTicks, TICKS_PER_SECOND, writeMidiFile } from '../../shared/synth/midi';

/** A tiny SMF reader for the test: returns [absolute tick, status, data1, data2] channel events and the division. */
function readSmf(bytes: Uint8Array) {
  const text = (o: number) => String.fromCharCode(...bytes.subarray(o, o + 4));
  expect(text(0)).toBe('MThd');
  const division = (bytes[12] << 8) | bytes[13];
  expect(text(14)).toBe('MTrk');
  const len = (bytes[18] << 24) | (bytes[19] << 16) | (bytes[20] << 8) | bytes[21];
  expect(22 + len).toBe(bytes.length);
  const events: number[][] = [];
  let p = 22, tick = 0;
  while (p < bytes.length) {
    let delta = 0, b: number;
    do {
      b = bytes[p++];
      delta = (delta << 7) | (b & 0x7f);
    } while (b & 0x80);
    tick += delta;
    const status = bytes[p++];
    if (status === 0xff) {
      const type = bytes[p++], l = bytes[p++];
      p += l;
      if (type === 0x2f) break;
    } else if ((status & 0xf0) === 0xc0) {
      events.push([tick, status, bytes[p++]]);
    } else {
      events.push([tick, status, bytes[p++], bytes[p++]]);
    }
  }
  return { division, events };
}

describe('writeMidiFile', () => {
  it('writes notes at exact ticks with the program on its channel', () => {
    const bytes = writeMidiFile({ program: 28, notes: [{ startSec: 0.5, endSec: 2.3, midi: 40, velocity: 100 }, { startSec: 3.5, endSec: 5.3, midi: 88, velocity: 7 }] });
    const { division, events } = readSmf(bytes);
    expect(division).toBe(480);
    expect(TICKS_PER_SECOND).toBe(960);
    expect(events).toContainEqual([0, 0xc0, 28]);
    expect(events).toContainEqual([480, 0x90, 40, 100]);
    expect(events).toContainEqual([secondsToTicks(2.3), 0x80, 40, 0]);
    expect(events).toContainEqual([3360, 0x90, 88, 7]);
  });

  it('puts several programs on separate channels, skipping the drum channel, note-offs before note-ons', () => {
    const parts = Array.from({ length: 11 }, (_, i) => ({ program: 24 + i, channel: i >= 9 ? i + 1 : i, notes: [{ startSec: 1, endSec: 2, midi: 60, velocity: 90 }] }));
    const { events } = readSmf(writeMidiFile({ parts }));
    expect(events.filter((e) => (e[1] & 0xf0) === 0xc0).map((e) => e[1] & 0x0f)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11]);
    const same = readSmf(writeMidiFile({ program: 0, notes: [{ startSec: 0, endSec: 1, midi: 60, velocity: 90 }, { startSec: 1, endSec: 2, midi: 60, velocity: 90 }] })).events;
    const at960 = same.filter((e) => e[0] === 960).map((e) => e[1]);
    expect(at960).toEqual([0x80, 0x90]);
  });

  it('rejects bad programs, channels, pitches, velocities and times', () => {
    const n = { startSec: 0, endSec: 1, midi: 60, velocity: 90 };
    expect(() => writeMidiFile({ program: 128, notes: [n] })).toThrow(RangeError);
    expect(() => writeMidiFile({ program: 0, channel: 9, notes: [n] })).toThrow(/channel/);
    expect(() => writeMidiFile({ program: 0, notes: [{ ...n, midi: 128 }] })).toThrow(/midi/);
    expect(() => writeMidiFile({ program: 0, notes: [{ ...n, velocity: 0 }] })).toThrow(/velocity/);
    expect(() => writeMidiFile({ program: 0, notes: [{ ...n, endSec: 0 }] })).toThrow(/times/);
  });
});
