/**
 * A plucked string as a bidirectional digital waveguide (extended Karplus–Strong).
 *
 * The two travelling-wave rails are folded into one circular loop of N samples: loop position x < N/2 is the
 * right-going wave at distance x from the bridge, loop position N-1-x the (sign-inverted) left-going wave at x,
 * so the displacement at x is loop[x] - loop[N-1-x]. At the bridge the wave passes a frequency-dependent loss
 * filter (one-pole, designed from two T60s), a dispersion allpass cascade (string stiffness: upper partials run
 * sharp) and a first-order allpass for the fractional part of the period, all tuned at f0 so the pitch is exact.
 *
 * Fret buzz: a one-sided barrier at up to three points of the string (the next frets). The string itself rings
 * freely (full level); wherever its displacement there drops below the fret height, the penetration is written
 * to a contact signal: one pulse per vibration, as large as the excursion past the fret, so it is
 * pitch-synchronous, follows the string's envelope and stops by itself once the amplitude decays below the fret.
 * The note turns that contact signal into the rattle (note.ts). An earlier version corrected the travelling
 * waves at each contact (Rank & Kubin's inelastic collision): it drained the string, so buzzy notes sat
 * 3-13 dB under the same note without buzz, the opposite of a real buzz (a full-level note with a sizzle on it).
 */

/** How long a string ringing down onto a fret takes from first touch to full contact, seconds. */
const TAIL_CONTACT_RAMP_SEC = 0.3;
/** How long the string takes to clear the fret when an attack-only buzz ends, seconds. */
const CLEAR_RAMP_SEC = 0.05;

export interface BarrierParams {
  /** Where the string meets the fret, as a fraction of the vibrating length from the fretting point (nut end). */
  fromNut: number;
  /** Fret height below the string's rest position, relative to its free swing there when contact starts. */
  heightRel: number;
  /** Number of adjacent frets the string can hit (1-3): the next ones lie further towards the bridge. */
  frets: number;
  /** Random variation of each contact's strength (0 = smooth fret .. 1 = rough, rattly contact). */
  roughness: number;
  /**
   * When the string first reaches the fret, seconds after the attack: 0 = from the attack; later = the string
   * rings down onto the fret (a neck relief or a sinking string only touches once the big swing has settled).
   */
  startSec: number;
  /**
   * When the string clears the fret again, seconds after the attack (null = never: contact ends only when the
   * swing has decayed below the fret). An attack-only buzz: the first, widest swings touch, then the string settles.
   */
  clearSec: number | null;
}

export interface StringParams {
  /** Fundamental frequency in Hz. */
  f0: number;
  sampleRate: number;
  /** Decay to -60 dB of the fundamental, seconds. */
  t60: number;
  /** Decay to -60 dB at `highFreq` (shorter than t60: high partials die faster), seconds. */
  t60High: number;
  /** Frequency (Hz) where t60High applies. */
  highFreq: number;
  /** First-order allpass coefficient magnitude for stiffness (0 = ideal string, ~0.5 = very stiff). */
  dispersion: number;
  /** Number of dispersion allpass stages (0-4). */
  dispersionStages: number;
  /** Pluck point as a fraction of the string from the bridge (0.03-0.5). */
  pluckPosition: number;
  /** 0 = very soft (thumb/flesh: rounded initial shape) .. 1 = hard pick (sharp corner). */
  pickHardness: number;
  /** Peak initial displacement (arbitrary units; the output scales linearly). */
  amplitude: number;
  /** Random roughness added to the initial shape (fraction of amplitude). */
  excitationNoise: number;
  /** Electric pickup position (fraction from the bridge): output is the displacement there. null = bridge wave. */
  pickupPosition: number | null;
  /** Fret-buzz barrier, or null for a freely ringing string. */
  barrier: BarrierParams | null;
}

/** A first-order allpass (c + z^-1)/(1 + c z^-1): phase delay in samples at angular frequency w. */
function allpassPhaseDelay(c: number, w: number): number {
  const num = Math.atan2(-Math.sin(w), c + Math.cos(w));
  const den = Math.atan2(-c * Math.sin(w), 1 + c * Math.cos(w));
  return -(num - den) / w;
}

/** One-pole lowpass (1-a)/(1 - a z^-1): phase delay at w. */
function onePolePhaseDelay(a: number, w: number): number {
  return Math.atan2(a * Math.sin(w), 1 - a * Math.cos(w)) / w;
}

/**
 * Pole of the loss filter so that per-period gains g0 at w0 and gHigh at wHigh are met (Välimäki et al.).
 * Returns 0 (no extra HF loss) when the two decays are equal.
 */
function lossPole(ratio: number, wHigh: number): number {
  const r2 = Math.min(ratio * ratio, 0.999999);
  const c = Math.cos(wHigh);
  const p = 1 - r2 * c;
  const disc = p * p - (1 - r2) * (1 - r2);
  const a = (p - Math.sqrt(Math.max(disc, 0))) / (1 - r2);
  return Math.min(Math.max(a, 0), 0.95);
}

export interface StringRender {
  /** Samples actually rendered (the rest of the span stays untouched: the string had died away). */
  rendered: number;
  /** Loop length and filter settings, for diagnostics and tests. */
  loopLength: number;
  lossPole: number;
  fractionalDelay: number;
  /** How many samples the barrier was in contact with the string (0 without a barrier). */
  contactSamples: number;
  /** Time of the last contact (s from the start), 0 if none. */
  lastContactSec: number;
}

/**
 * Renders the string into `out[start .. start+length)` (adding to what is there). With a barrier, the fret
 * contact (penetration past the fret, >= 0, times the contact roughness) is added into `contact` at the same
 * indices when given. `noise` supplies the excitation and contact roughness (a deterministic uniform source in [0,1)).
 */
export function renderString(
  p: StringParams,
  out: Float32Array,
  start: number,
  length: number,
  noise: () => number,
  contact?: Float32Array,
): StringRender {
  const sr = p.sampleRate;
  if (!(p.f0 > 0 && p.f0 < sr / 4)) throw new TypeError(`renderString: f0 ${p.f0} out of range`);
  const period = sr / p.f0;
  const w0 = (2 * Math.PI * p.f0) / sr;
  const highFreq = Math.min(Math.max(p.highFreq, p.f0 * 1.5), sr * 0.45);
  const wHigh = (2 * Math.PI * highFreq) / sr;

  // Per-period gains from the decay times (a wave passes the loss filter once per period).
  const g0 = Math.pow(10, -3 / (p.f0 * p.t60));
  const gHigh = Math.pow(10, -3 / (p.f0 * Math.max(p.t60High, 1e-3)));
  // Scale so |H(w0)| = g0. The DC gain (the one-pole's maximum) is then g0/|H1(w0)| and must stay below 1 — DC is
  // a mode of the loop too, and would slowly blow up. So for high notes, whose f0 sits high on the filter's slope,
  // the pole is limited until |H1(w0)| >= sqrt(g0): their upper partials then decay a little slower than asked.
  const magOf = (pole: number) => (1 - pole) / Math.sqrt(1 - 2 * pole * Math.cos(w0) + pole * pole);
  let a = lossPole(Math.min(gHigh / g0, 1), wHigh);
  if (magOf(a) < Math.sqrt(g0)) {
    let lo = 0, hi = a;
    for (let k = 0; k < 40; k++) {
      const mid = 0.5 * (lo + hi);
      if (magOf(mid) >= Math.sqrt(g0)) lo = mid;
      else hi = mid;
    }
    a = lo;
  }
  const magAtF0 = magOf(a);
  const dcGain = Math.min(g0 / magAtF0, Math.sqrt(g0));
  const lossGain = dcGain * (1 - a);

  const stages = Math.max(0, Math.min(4, Math.round(p.dispersionStages)));
  const dc = -Math.min(Math.max(p.dispersion, 0), 0.7); // negative coefficient: high partials delayed less -> sharp
  let fixedDelay = onePolePhaseDelay(a, w0) + stages * allpassPhaseDelay(dc, w0);
  let n = Math.floor(period - fixedDelay - 0.5);
  // Very high notes with a stiff string: drop stages until the loop is long enough.
  let usedStages = stages;
  while (n < 6 && usedStages > 0) {
    usedStages--;
    fixedDelay = onePolePhaseDelay(a, w0) + usedStages * allpassPhaseDelay(dc, w0);
    n = Math.floor(period - fixedDelay - 0.5);
  }
  if (n < 4) throw new TypeError(`renderString: f0 ${p.f0} too high for the loop filters`);
  const frac = period - fixedDelay - n; // in [0.5, 1.5)
  const eta = Math.sin((w0 * (1 - frac)) / 2) / Math.sin((w0 * (1 + frac)) / 2);

  // Initial shape: triangle peaking at the pluck point, rounded by a soft pick (box filters in space).
  const m = Math.floor(n / 2);
  const buf = new Float64Array(n);
  const shape = new Float64Array(m + 1);
  const xp = Math.min(Math.max(Math.round(p.pluckPosition * m), 1), m - 1);
  // Roughness of the pick/finger first, so a soft (wide) contact smooths it together with the corner.
  for (let x = 0; x <= m; x++) shape[x] = (x <= xp ? x / xp : (m - x) / (m - xp)) * (1 + p.excitationNoise * (2 * noise() - 1));
  const width = 1 + Math.round(Math.pow(1 - Math.min(Math.max(p.pickHardness, 0), 1), 3) * 0.25 * m);
  if (width > 1) {
    const tmp = new Float64Array(m + 1);
    for (let pass = 0; pass < 2; pass++) {
      for (let x = 0; x <= m; x++) {
        let s = 0, c = 0;
        for (let k = x - (width >> 1); k <= x + (width >> 1); k++) {
          if (k >= 0 && k <= m) { s += shape[k]; c++; }
        }
        tmp[x] = s / c;
      }
      for (let x = 1; x < m; x++) shape[x] = tmp[x];
      shape[0] = 0;
      shape[m] = 0;
    }
  }
  let peak = 0;
  for (let x = 0; x <= m; x++) if (shape[x] > peak) peak = shape[x];
  for (let x = 1; x < m; x++) shape[x] = shape[x] / peak;
  // Loop position k holds the value at buffer index n-1-k with the read pointer at 0 (oldest = position n-1).
  for (let x = 0; x < m; x++) {
    const half = 0.5 * p.amplitude * shape[x];
    buf[n - 1 - x] = half; // right-going rail at x
    buf[x] = -half; // left-going rail at x (loop position n-1-x), stored inverted
  }

  // Pointers to loop positions, advanced by one each step (position x lives at index (ptr-1-x) mod n).
  const wrap = (i: number) => ((i % n) + n) % n;
  let ptr = 0;
  // Up to three frets: the fret after the contact point and the following ones (fret spacing ~5.6% of the length).
  const barrierR = new Int32Array(3), barrierL = new Int32Array(3), heightScale = new Float64Array(3);
  // Fret heights are relative to how far the free string actually swings below rest at each contact point,
  // measured over >= 10 ms once contact may start (and never inside the first period, before the loop filters
  // have taken the sharp pluck corner off): relative to the corner-dominated first swing, high notes would stop
  // buzzing within a few milliseconds.
  const heights = new Float64Array(3), swingMin = new Float64Array(3);
  const probeStart = Math.max(n, Math.round(Math.max(p.barrier?.startSec ?? 0, 0) * sr));
  const probeEnd = probeStart + Math.max(n + 1, Math.round(0.01 * sr));
  // The fret is brought in smoothly (raised cosine over >= 3 periods / 20 ms) from the free swing minimum (no
  // contact) to its height: switched on abruptly, the first contacts would be one loud click instead of a sizzle.
  // A string ringing down onto the fret touches it more and more over a few hundred ms (and a sudden sizzle in
  // the middle of a note would read as a new onset).
  const rampLength = Math.max(3 * n, Math.round(((p.barrier?.startSec ?? 0) > 0 ? TAIL_CONTACT_RAMP_SEC : 0.02) * sr));
  const clearAt = p.barrier?.clearSec != null ? Math.round(p.barrier.clearSec * sr) : Infinity;
  const clearRamp = Math.round(CLEAR_RAMP_SEC * sr);
  let barriers = 0;
  let roughness = 0;
  if (p.barrier) {
    roughness = Math.min(Math.max(p.barrier.roughness, 0), 1);
    const frets = Math.max(1, Math.min(3, Math.round(p.barrier.frets)));
    const used = new Set<number>();
    for (let f = 0; f < frets; f++) {
      const fromNut = p.barrier.fromNut + f * 0.056 * (1 - p.barrier.fromNut);
      const c = Math.min(Math.max(m - 1 - Math.round(fromNut * m), 1), m - 2);
      if (used.has(c)) continue;
      used.add(c);
      barrierR[barriers] = wrap(ptr - 1 - c);
      barrierL[barriers] = wrap(ptr - 1 - (n - 1 - c));
      // Later frets sit a little lower relative to the string's swing there (the string rises towards the middle).
      heightScale[barriers] = Math.max(p.barrier.heightRel, 0) * (1 + 0.25 * f);
      barriers++;
    }
  }
  let pickR = -1, pickL = -1;
  if (p.pickupPosition !== null) {
    const c = Math.min(Math.max(Math.round(p.pickupPosition * m), 1), m - 1);
    pickR = wrap(ptr - 1 - c);
    pickL = wrap(ptr - 1 - (n - 1 - c));
  }

  // The string is silent (-100 dB) after ~1.7 T60; do not spend time rendering zeros.
  const maxT60 = Math.max(p.t60, p.t60High);
  const count = Math.min(length, out.length - start, Math.ceil(1.7 * maxT60 * sr) + n);
  let lossState = 0;
  const apX = new Float64Array(4), apY = new Float64Array(4);
  let frX = 0, frY = 0;
  let contacts = 0, lastContact = 0;
  const touching = new Uint8Array(3), slap = new Float64Array(3);
  const contactOut = contact && contact.length >= start + count ? contact : null;
  for (let i = 0; i < count; i++) {
    const v = buf[ptr];
    // Bridge: loss, stiffness, fractional delay.
    lossState = lossGain * v + a * lossState;
    let s = lossState;
    for (let k = 0; k < usedStages; k++) {
      const y = dc * s + apX[k] - dc * apY[k];
      apX[k] = s;
      apY[k] = y;
      s = y;
    }
    const y = eta * s + frX - eta * frY;
    frX = s;
    frY = y;
    buf[ptr] = y;
    if (++ptr === n) ptr = 0;

    let penetration = 0;
    for (let b = 0; b < barriers; b++) {
      let r = barrierR[b] + 1, l = barrierL[b] + 1;
      if (r === n) r = 0;
      if (l === n) l = 0;
      barrierR[b] = r;
      barrierL[b] = l;
      if (i < probeEnd) {
        if (i >= probeStart) {
          const disp = buf[r] - buf[l];
          if (disp < swingMin[b]) swingMin[b] = disp;
        }
        if (i === probeEnd - 1) heights[b] = heightScale[b] * swingMin[b];
        continue;
      }
      const since = i - probeEnd;
      let h = since >= rampLength
        ? heights[b]
        : swingMin[b] + (heights[b] - swingMin[b]) * 0.5 * (1 - Math.cos((Math.PI * since) / rampLength));
      if (i >= clearAt) {
        // The fret recedes over CLEAR_RAMP_SEC (raised cosine) to twice the first swing: no more contact.
        const k = Math.min(1, (i - clearAt) / clearRamp);
        h += (2 * swingMin[b] - heights[b]) * 0.5 * (1 - Math.cos(Math.PI * k));
      }
      const disp = buf[r] - buf[l];
      if (disp < h) {
        // Each slap differs a little (a rough fret, a wobbling string): one random strength per contact, held
        // while it lasts, so the rattle stays a pitch-synchronous buzz rather than hiss.
        if (!touching[b]) slap[b] = 1 - roughness + 2 * roughness * noise();
        touching[b] = 1;
        penetration += (h - disp) * slap[b];
        contacts++;
        lastContact = i;
      } else {
        touching[b] = 0;
      }
    }
    if (contactOut && penetration !== 0) contactOut[start + i] += penetration;
    let o: number;
    if (pickR >= 0) {
      if (++pickR === n) pickR = 0;
      if (++pickL === n) pickL = 0;
      o = buf[pickR] - buf[pickL];
    } else {
      o = v;
    }
    out[start + i] += o;
  }
  return { rendered: count, loopLength: n, lossPole: a, fractionalDelay: frac, contactSamples: contacts, lastContactSec: lastContact / sr };
}
