/**
 * A short room reverb: a 4-line feedback delay network (Hadamard mixing, one-pole damping per line).
 * Cheap enough to run on every clip (about 30 operations per sample), deterministic, no allocation per sample.
 */

export interface RoomParams {
  /** Reverberation time (-60 dB), seconds. */
  rt60: number;
  /** Wet level relative to the dry signal (0 = dry close-mic, ~0.5 = distant). */
  wet: number;
  /** Scales the delay-line lengths (0.5 small room .. 1.6 larger room). */
  size: number;
  /** High-frequency damping of the reflections, 0 (bright) .. 0.7 (dull, soft furnishings). */
  damping: number;
}

const BASE_LENGTHS = [743, 937, 1151, 1373]; // mutually prime, ~34-62 ms at 22050 Hz

/** Adds the room's reverberation of `x` to `x`, in place. */
export function applyRoom(x: Float32Array, room: RoomParams, sampleRate: number): void {
  if (room.wet <= 0 || room.rt60 <= 0) return;
  const scale = (room.size * sampleRate) / 22050;
  const len = BASE_LENGTHS.map((l) => Math.max(17, Math.round(l * scale)));
  const gains = len.map((l) => Math.pow(10, (-3 * l) / (room.rt60 * sampleRate)));
  const d0 = new Float32Array(len[0]), d1 = new Float32Array(len[1]), d2 = new Float32Array(len[2]), d3 = new Float32Array(len[3]);
  let p0 = 0, p1 = 0, p2 = 0, p3 = 0;
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  const damp = Math.min(Math.max(room.damping, 0), 0.95);
  const g0 = gains[0], g1 = gains[1], g2 = gains[2], g3 = gains[3];
  const wet = room.wet * 0.5;
  for (let i = 0; i < x.length; i++) {
    const o0 = d0[p0], o1 = d1[p1], o2 = d2[p2], o3 = d3[p3];
    // Damped outputs.
    s0 = (1 - damp) * o0 + damp * s0;
    s1 = (1 - damp) * o1 + damp * s1;
    s2 = (1 - damp) * o2 + damp * s2;
    s3 = (1 - damp) * o3 + damp * s3;
    const input = x[i];
    // Hadamard 4x4 / 2 (orthogonal): energy-preserving mixing.
    const a = 0.5 * (s0 + s1 + s2 + s3);
    const b = 0.5 * (s0 - s1 + s2 - s3);
    const c = 0.5 * (s0 + s1 - s2 - s3);
    const d = 0.5 * (s0 - s1 - s2 + s3);
    d0[p0] = input + g0 * a;
    d1[p1] = input + g1 * b;
    d2[p2] = input + g2 * c;
    d3[p3] = input + g3 * d;
    if (++p0 === d0.length) p0 = 0;
    if (++p1 === d1.length) p1 = 0;
    if (++p2 === d2.length) p2 = 0;
    if (++p3 === d3.length) p3 = 0;
    let y = input + wet * (o0 + o1 + o2 + o3) * 0.5;
    if (y > -1e-25 && y < 1e-25) y = 0;
    x[i] = y;
  }
}
