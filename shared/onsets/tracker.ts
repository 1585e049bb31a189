/**
 * Streaming onset detection: push consecutive mono chunks (SAMPLE_RATE), get onsets as soon as they are final.
 * Memory is bounded (two blocks of band magnitudes ≈ 20 s, plus the detection function: ~1.2 MB per hour),
 * so takes of any length run in constant memory. detectOnsets() is this tracker fed with one chunk.
 *
 * Frames are STFT frames centred at t * hop (zero padding outside the take). The take is preceded by a lead-in
 * of silence (leadInSamples) so that a note starting at its very first sample still rises above an earlier frame;
 * every time, frame and sample count the tracker reports is in the take's own coordinates. Band floors are computed per
 * block (flux.ts); a short last block is merged into the previous one so every block has enough frames.
 * Peak picking (see PickOptions): local maximum, above the local mean + delta and an absolute threshold,
 * and at least minGap after the previous onset (the stronger of two close peaks wins).
 */
import { BandAnalyzer, FluxOptions, blockFloors, decayedWindowMax, levelsAboveFloor, meanDbRiseFromWindowMax } from './flux';

export interface PickOptions {
  preMaxSec: number;
  postMaxSec: number;
  preAvgSec: number;
  postAvgSec: number;
  /** Required excess over the local mean, in mean dB rise per band. */
  delta: number;
  /** Absolute minimum, in mean dB rise per band. */
  threshold: number;
  /** Minimum inter-onset interval, seconds. */
  minGapSec: number;
  /** Frames after the peak at which the rise must still be present (≈ 58 ms). */
  persistFrames: number;
  /** Fraction of the peak's rise still present persistFrames later (0 disables the test). */
  minPersistence: number;
  /**
   * Click rejection by sustained rise: a peak is kept only if, `sustainFrames` frames later, the frame still rises
   * at least this much (mean dB rise per band, the detection function's unit) above what the bands did before the
   * attack (0 disables the test). Absolute, not relative to the peak: a loud attack followed by a quiet note is a
   * note. See SUSTAIN_REFERENCE_SHIFT.
   */
  minSustainedRise: number;
  /** Frames after the peak at which minSustainedRise is tested (3 ≈ 35 ms: a click has died away, a note has not). */
  sustainFrames: number;
  /** Subtracted from the frame time of the peak (the flux peaks slightly after the attack). */
  latencySec: number;
}

export type TrackerOptions = FluxOptions & PickOptions;

/**
 * The sustained-rise test compares with two references: the usual one ending `lag` frames before the peak, and
 * one ending this many frames earlier still. The detection peak can lie a few frames after the attack began (a
 * fret-buzz note's contact spike comes ~20 ms after its pick), and then the note's own start is already inside
 * the usual reference.
 */
const SUSTAIN_REFERENCE_SHIFT = 3;

/**
 * Silence fed before the take: `lag` frames, and at least half a frame, so the frame `lag` before one centred on
 * the take's first sample holds none of it (without it a note at sample 0 has no reference and is never found).
 * A whole number of hops, so frames stay centred on the same take samples.
 */
export function leadInSamples(o: Pick<TrackerOptions, 'lag' | 'hopLength' | 'frameSize'>): number {
  return Math.max(o.lag, Math.ceil(o.frameSize / 2 / o.hopLength)) * o.hopLength;
}

export interface TrackedOnset {
  /** Seconds from the start of the take (never negative). */
  timeSec: number;
  /** Detection-function value at the onset (mean dB rise per band). */
  strength: number;
  /** Index in detectionFunction (frame centred at frame * hop of the take). */
  frame: number;
}

function growFloat32(a: Float32Array<ArrayBuffer>, needed: number): Float32Array<ArrayBuffer> {
  if (needed <= a.length) return a;
  const b = new Float32Array(Math.max(needed, a.length * 2));
  b.set(a);
  return b;
}

export class OnsetTracker {
  private readonly o: TrackerOptions;
  private readonly analyzer: BandAnalyzer;
  private readonly bands: number;
  // Samples not yet fully used by frames: take samples [bufStart, bufStart + bufLen).
  private buf = new Float32Array(0);
  private bufStart = 0;
  private bufLen = 0;
  private received = 0;
  private nextFrame = 0;
  // Up to two blocks of band magnitudes waiting for their floors; frames [pendingFirst, pendingFirst + pendingCount).
  private pending: Float32Array;
  private pendingFirst = 0;
  private pendingCount = 0;
  // Raw magnitudes of the last `history` frames already turned into flux (the reference for the next block).
  private readonly history: number;
  private tail: Float32Array;
  private tailFrames = 0;
  private work = new Float32Array(0);
  private levels = new Float32Array(0);
  // Decayed running maxima of `levels` (flux.ts decayedWindowMax) and its scratch.
  private windowMax = new Float64Array(0);
  private windowPrefix = new Float64Array(0);
  private odf = new Float32Array(1024);
  // Rise of each frame over the reference `persistFrames` earlier: sustain[t0 + p] tells whether an onset at t0 lasted.
  private sustain = new Float32Array(1024);
  // Rise of each frame over the pre-attack references `sustainFrames` earlier (minSustainedRise test).
  private sustained = new Float32Array(1024);
  private odfLen = 0;
  private prefix = new Float64Array(1025);
  private pickedUntil = 0;
  private kept: number[] = [];
  private emitted = 0;
  private finished = false;
  private readonly scratch: Float64Array;
  private readonly frames: { preMax: number; postMax: number; preAvg: number; postAvg: number; minGap: number };
  // The silent lead-in (leadInSamples): internal frames and samples count it, what the tracker reports does not.
  private readonly leadIn: number;
  private readonly leadInFrames: number;

  constructor(options: TrackerOptions) {
    this.o = options;
    const o = options;
    if (!(o.sampleRate > 0)) throw new TypeError(`OnsetTracker: invalid sampleRate ${o.sampleRate}`);
    if (!Number.isInteger(o.hopLength) || o.hopLength < 1) throw new TypeError(`OnsetTracker: invalid hopLength ${o.hopLength}`);
    if (!Number.isInteger(o.lag) || o.lag < 1) throw new TypeError(`OnsetTracker: lag must be a positive integer, got ${o.lag}`);
    if (!Number.isInteger(o.blockFrames) || o.blockFrames < 8 * o.lag) throw new TypeError(`OnsetTracker: blockFrames too small (${o.blockFrames})`);
    this.analyzer = new BandAnalyzer(o);
    this.bands = this.analyzer.bands;
    if (!Number.isInteger(o.persistFrames) || o.persistFrames < 1) throw new TypeError(`OnsetTracker: persistFrames must be a positive integer, got ${o.persistFrames}`);
    this.pending = new Float32Array(2 * o.blockFrames * this.bands);
    if (!Number.isInteger(o.sustainFrames) || o.sustainFrames < 1) throw new TypeError(`OnsetTracker: sustainFrames must be a positive integer, got ${o.sustainFrames}`);
    if (!(o.minSustainedRise >= 0)) throw new TypeError(`OnsetTracker: minSustainedRise must be >= 0, got ${o.minSustainedRise}`);
    this.history = o.lag + o.refFrames + Math.max(o.persistFrames, o.sustainFrames + SUSTAIN_REFERENCE_SHIFT);
    this.tail = new Float32Array(this.history * this.bands);
    this.scratch = new Float64Array(this.bands);
    const fps = o.sampleRate / o.hopLength;
    const f = (sec: number) => Math.max(0, Math.round(sec * fps));
    this.frames = { preMax: f(o.preMaxSec), postMax: f(o.postMaxSec), preAvg: f(o.preAvgSec), postAvg: f(o.postAvgSec), minGap: Math.max(1, f(o.minGapSec)) };
    this.leadIn = leadInSamples(o);
    this.leadInFrames = this.leadIn / o.hopLength;
    this.push(new Float32Array(this.leadIn));
  }

  /** Samples pushed so far. */
  get samplesReceived(): number {
    return this.received - this.leadIn;
  }

  /** Every onset earlier than this (take samples) has been returned by push()/finish(). */
  get confirmedUntilSample(): number {
    if (this.finished) return Infinity;
    const frame = this.pickedUntil - this.frames.minGap;
    return Math.max(0, Math.floor(frame * this.o.hopLength - this.o.latencySec * this.o.sampleRate) - this.leadIn);
  }

  /** The detection function so far (a view; valid until the next push). */
  get detectionFunction(): Float32Array {
    return this.odf.subarray(Math.min(this.leadInFrames, this.odfLen), this.odfLen);
  }

  push(chunk: Float32Array): TrackedOnset[] {
    if (this.finished) throw new TypeError('OnsetTracker: push() after finish()');
    if (!(chunk instanceof Float32Array)) throw new TypeError('OnsetTracker: chunks must be Float32Array');
    this.buf = growFloat32(this.buf, this.bufLen + chunk.length);
    this.buf.set(chunk, this.bufLen);
    this.bufLen += chunk.length;
    this.received += chunk.length;
    this.computeFrames(false);
    return this.emit();
  }

  finish(): TrackedOnset[] {
    if (this.finished) return [];
    this.computeFrames(true);
    this.finished = true;
    if (this.pendingCount > 0) this.processPending(this.pendingCount);
    this.pick();
    return this.emit();
  }

  private computeFrames(final: boolean): void {
    const { hopLength, frameSize, blockFrames } = this.o;
    const half = frameSize / 2;
    const total = final ? 1 + Math.floor(this.received / hopLength) : Infinity;
    while (this.nextFrame < total) {
      // Frames whose window has fully arrived (all of them once the take is finished).
      const available = final ? total - this.nextFrame : Math.floor((this.received + half - frameSize) / hopLength) + 1 - this.nextFrame;
      if (available <= 0) break;
      if (this.pendingCount === 2 * blockFrames) {
        // Two blocks waiting: the first one's floors can no longer change (a short tail merges into the second).
        this.processPending(blockFrames);
      }
      const count = Math.min(available, 2 * blockFrames - this.pendingCount);
      this.analyzer.analyzeFrames(this.buf, this.bufStart, this.bufLen, this.nextFrame * hopLength - half, hopLength, count, this.pending, this.pendingCount * this.bands);
      this.pendingCount += count;
      this.nextFrame += count;
    }
    // Drop samples no future frame needs.
    const keepFrom = Math.max(0, this.nextFrame * hopLength - half);
    const drop = Math.min(this.bufLen, keepFrom - this.bufStart);
    if (drop > 0) {
      this.buf.copyWithin(0, drop, this.bufLen);
      this.bufLen -= drop;
      this.bufStart += drop;
    }
  }

  /** Turns the first `count` pending frames into detection-function values (floors from those frames). */
  private processPending(count: number): void {
    const { bands, history } = this;
    const floors = blockFloors(this.pending, count, bands, this.o);
    // Earlier frames (tail) and this block side by side, as dB above this block's floors.
    const h = this.tailFrames;
    const frames = h + count;
    if (this.work.length < frames * bands) {
      this.work = new Float32Array(frames * bands);
      this.levels = new Float32Array(frames * bands);
      this.windowMax = new Float64Array(frames * bands);
      this.windowPrefix = new Float64Array(frames * bands);
    }
    this.work.set(this.tail.subarray((history - h) * bands, history * bands), 0);
    this.work.set(this.pending.subarray(0, count * bands), h * bands);
    levelsAboveFloor(this.work, frames, floors, this.levels);
    this.odf = growFloat32(this.odf, this.odfLen + count);
    this.sustain = growFloat32(this.sustain, this.odfLen + count);
    this.sustained = growFloat32(this.sustained, this.odfLen + count);
    decayedWindowMax(this.levels, frames, bands, this.o, this.windowPrefix, this.windowMax);
    const lag = this.o.lag;
    const later = lag + this.o.persistFrames;
    for (let i = 0; i < count; i++) {
      const t = this.pendingFirst + i;
      const available = Math.min(t, h + i); // earlier frames present in `levels`
      // The click test's rise `persistFrames` later (only needed when that test is on).
      this.sustain[this.odfLen] = this.o.minPersistence > 0 && available >= later ? meanDbRiseFromWindowMax(this.levels, this.windowMax, h + i, bands, later, this.o, this.scratch) : 0;
      if (this.o.minSustainedRise > 0) {
        const near = lag + this.o.sustainFrames;
        const far = near + SUSTAIN_REFERENCE_SHIFT;
        let rise = available >= near ? meanDbRiseFromWindowMax(this.levels, this.windowMax, h + i, bands, near, this.o, this.scratch) : Infinity;
        if (available >= far) rise = Math.max(rise, meanDbRiseFromWindowMax(this.levels, this.windowMax, h + i, bands, far, this.o, this.scratch));
        this.sustained[this.odfLen] = rise;
      }
      this.odf[this.odfLen++] = available >= lag ? meanDbRiseFromWindowMax(this.levels, this.windowMax, h + i, bands, lag, this.o, this.scratch) : 0;
    }
    // Keep the last `history` frames as the next block's reference, then shift the rest down.
    const keep = Math.min(history, frames);
    this.tail.set(this.work.subarray((frames - keep) * bands, frames * bands), (history - keep) * bands);
    this.tailFrames = keep;
    this.pending.copyWithin(0, count * bands, this.pendingCount * bands);
    this.pendingCount -= count;
    this.pendingFirst += count;
    this.pick();
  }

  private pick(): void {
    const { preMax, postMax, preAvg, postAvg, minGap } = this.frames;
    const n = this.odfLen;
    const v = this.odf;
    if (this.prefix.length < n + 1) {
      const p = new Float64Array(Math.max(n + 1, this.prefix.length * 2));
      p.set(this.prefix.subarray(0, this.pickedUntil + 1));
      this.prefix = p;
    }
    // Prefix sums for the moving mean (recomputed from where picking stopped; earlier ones never change).
    const from = Math.max(0, this.pickedUntil - preAvg - 1);
    for (let i = from; i < n; i++) this.prefix[i + 1] = this.prefix[i] + v[i];
    const lookahead = Math.max(postMax, postAvg, this.o.minPersistence > 0 ? this.o.persistFrames + 1 : 0, this.o.minSustainedRise > 0 ? this.o.sustainFrames + 1 : 0);
    const limit = this.finished ? n : n - lookahead;
    const { hopLength, frameSize, threshold, delta } = this.o;
    for (let t = this.pickedUntil; t < limit; t++) {
      const x = v[t];
      if (x < threshold) continue;
      // Frames whose window runs past the end see the take's cut-off, not a note.
      if (this.finished && t * hopLength + frameSize / 2 > this.received) continue;
      let isMax = true;
      for (let k = Math.max(0, t - preMax); k <= Math.min(n - 1, t + postMax); k++) {
        if (v[k] > x || (k < t && v[k] === x)) {
          isMax = false;
          break;
        }
      }
      if (!isMax) continue;
      const lo = Math.max(0, t - preAvg);
      const hi = Math.min(n, t + postAvg + 1);
      const mean = (this.prefix[hi] - this.prefix[lo]) / (hi - lo);
      if (x < mean + delta) continue;
      // A click (pick noise, handling) rises like an attack but is gone a few frames later; a note is not.
      const p = this.o.persistFrames;
      const persisted = t + p < n ? this.sustain[t + p] : x;
      if (this.o.minPersistence > 0 && persisted < this.o.minPersistence * x) continue;
      // Clicks die within a few ms; a note (even a muted one) still holds bands above their pre-attack level.
      const q = this.o.sustainFrames;
      if (this.o.minSustainedRise > 0 && t + q < n && this.sustained[t + q] < this.o.minSustainedRise) continue;
      const last = this.kept.length > this.emitted ? this.kept[this.kept.length - 1] : undefined;
      const lastAny = this.kept[this.kept.length - 1];
      if (lastAny !== undefined && t - lastAny < minGap) {
        if (last !== undefined && x > v[last]) this.kept[this.kept.length - 1] = t;
        continue;
      }
      this.kept.push(t);
    }
    this.pickedUntil = Math.max(this.pickedUntil, limit);
  }

  private emit(): TrackedOnset[] {
    const out: TrackedOnset[] = [];
    const { hopLength, sampleRate, latencySec } = this.o;
    const duration = (this.received - this.leadIn) / sampleRate;
    while (this.emitted < this.kept.length) {
      const t = this.kept[this.emitted];
      // A kept peak can still be replaced by a stronger one within minGap: wait until that window has been picked.
      if (!this.finished && t + this.frames.minGap >= this.pickedUntil) break;
      // A peak inside the lead-in (a frame half over the take's first samples) is the take's first instant.
      const frame = Math.max(0, t - this.leadInFrames);
      out.push({ timeSec: Math.min(duration, Math.max(0, ((t - this.leadInFrames) * hopLength) / sampleRate - latencySec)), strength: this.odf[t], frame });
      this.emitted++;
    }
    return out;
  }
}
