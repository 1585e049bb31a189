/**
 * The real-FFT power spectrum (fft.ts) plus the sparse mel projection as a WebAssembly SIMD kernel (f64x2, float64
 * like the JS path, same operation order, so power spectra are bit-identical): ~4-5x faster than the JS transform.
 * Source: shared/features/fft.wat. After editing it, regenerate the bytes below with
 *   wat2wasm shared/features/fft.wat -o /tmp/fft.wasm && base64 -w0 /tmp/fft.wasm
 * Only sizes N = 2 * 4^k (512, 2048, 8192, ...) are supported: other sizes, or a runtime without WebAssembly SIMD,
 * use RealFftPlan (callers check `WasmPowerSpectrum.create(...) === null`).
 */
import { ensureWasmMemory, instantiateWasm, lazyWasmModule, WasmInstance, WasmMemory } from '../wasm';

const FFT_WASM_BASE64 =
  'AGFzbQEAAAABJwNgCX9/f39/f39/fwBgBX9/f39/AGAPf39/f39/f39/f39/f39/AAMEAwABAgUDAQABByQEBm1lbW9yeQIABXBvd2VyAAADbWVsAAEJbWVsRnJhbWVzAAIK3Q4DwAwGBH8QfAh/GHsDfwZ8IAVBA3QhJEEAIQkDQCACIAlBAnRqKAIAIQsgASALQQF0aiEMIAAgC2oqAgC7IAwrAwCiIQ0gACALaioCBLsgDCsDCKIhDiACIAlBAnRqKAIEIQsgASALQQF0aiEMIAAgC2oqAgC7IAwrAwCiIQ8gACALaioCBLsgDCsDCKIhECACIAlBAnRqKAIIIQsgASALQQF0aiEMIAAgC2oqAgC7IAwrAwCiIREgACALaioCBLsgDCsDCKIhEiACIAlBAnRqKAIMIQsgASALQQF0aiEMIAAgC2oqAgC7IAwrAwCiIRMgACALaioCBLsgDCsDCKIhFCANIA+gIRUgDiAQoCEWIA0gD6EhFyAOIBChIRggESAToCEZIBIgFKAhGiARIBOhIRsgEiAUoSEcIAMgCUEDdGohISAhIBUgGaA5AwAgISAVIBmhOQMQICEgFyAcoDkDCCAhIBcgHKE5AxggBCAJQQN0aiEhICEgFiAaoDkDACAhIBYgGqE5AxAgISAYIBuhOQMIICEgGCAboDkDGCAJQQRqIQkgCSAFSQ0AC0EQIR0gBiEjAkADQCAdIAVLDQEgHUEBdCEeQQAhHwNAICMhIkEAISADQCAfICBqISEgIv0ABAAhJyAi/QAEECEoICL9AAQgISkgIv0ABDAhKiAi/QAEQCErICL9AARQISwgAyAhav0ABAAhLSAEICFq/QAEACEuIAMgIWogHmr9AAQAISUgBCAhaiAeav0ABAAhJiAlICn98gEgJiAq/fIB/fEBIS8gJSAq/fIBICYgKf3yAf3wASEwIAMgIWogHmogHmr9AAQAISUgBCAhaiAeaiAeav0ABAAhJiAlICf98gEgJiAo/fIB/fEBITEgJSAo/fIBICYgJ/3yAf3wASEyIAMgIWogHmogHmogHmr9AAQAISUgBCAhaiAeaiAeaiAeav0ABAAhJiAlICv98gEgJiAs/fIB/fEBITMgJSAs/fIBICYgK/3yAf3wASE0IC0gL/3wASE1IC4gMP3wASE2IC0gL/3xASE3IC4gMP3xASE4IDEgM/3wASE5IDIgNP3wASE6IDEgM/3xASE7IDIgNP3xASE8IAMgIWogNSA5/fAB/QsEACAEICFqIDYgOv3wAf0LBAAgAyAhaiAeaiAeaiA1IDn98QH9CwQAIAQgIWogHmogHmogNiA6/fEB/QsEACADICFqIB5qIDcgPP3wAf0LBAAgBCAhaiAeaiA4IDv98QH9CwQAIAMgIWogHmogHmogHmogNyA8/fEB/QsEACAEICFqIB5qIB5qIB5qIDggO/3wAf0LBAAgIkHgAGohIiAgQRBqISAgICAeSQ0ACyAfIB1BA3RqIR8gHyAkSQ0ACyAjIB5BBmxqISMgHUECdCEdDAALCyADKwMAIAQrAwCgIUQgCCBEIESiOQMAIAMrAwAgBCsDAKEhRCAIICRqIEQgRKI5AwBBCCE+ICRBCGshCgJAA0AgPiAKTw0BICQgPmtBCGshPyADID5q/QAEACElIAQgPmr9AAQAISYgAyA/av0ABAAhJyAnICf9DQgJCgsMDQ4PAAECAwQFBgchJyAEID9q/QAEACEoICggKP0NCAkKCwwNDg8AAQIDBAUGByEoICUgJ/3wASE1ICYgKP3xASE2ICYgKP3wASE3ICcgJf3xASE4IAcgPmr9AAQAISkgByAkaiA+QQhqav0ABAAhKkQAAAAAAADgP/0UIDX98gEgKSA3/fIB/fABICogOP3yAf3xASEtRAAAAAAAAOA//RQgNv3yASApIDj98gH98AEgKiA3/fIB/fABIS4gCCA+aiAtIC398gEgLiAu/fIB/fAB/QsEACA+QRBqIT4MAAsLAkADQCA+ICRPDQEgJCA+ayE/IAMgPmorAwAhDSAEID5qKwMAIQ4gAyA/aisDACEPIAQgP2orAwAhECANIA+gIUAgDiAQoSFBIA4gEKAhQiAPIA2hIUMgByA+aisDACEVIAcgJGogPmorAwghFkQAAAAAAADgPyBAoiAVIEKioCAWIEOioSFERAAAAAAAAOA/IEGiIBUgQ6KgIBYgQqKgIUUgCCA+aiBEIESiIEUgRaKgOQMAID5BCGohPgwACwsLzAEDBX8BewF8IAMhBwJAA0AgBSACTw0BIAAgASAFQQN0aigCAGohBiABIAVBA3RqKAIEIQggByAIQX5xQQN0aiEJ/QwAAAAAAAAAAAAAAAAAAAAAIQoCQANAIAcgCU8NASAKIAf9AAQAIAb9AAQA/fIB/fABIQogB0EQaiEHIAZBEGohBgwACwsgCv0hACAK/SEBoCELIAhBAXEEQCALIAcrAwAgBisDAKKgIQsgB0EIaiEHCyAEIAVBA3RqIAs5AwAgBUEBaiEFDAALCwtLAQF/AkADQCAPIAJPDQEgACADIAQgBSAGIAcgCCAJIAoQACAKIAsgDCANIA4QASAAIAFqIQAgDiAMQQN0aiEOIA9BAWohDwwACwsL';

type PowerFn = (sig: number, win: number, rev: number, re: number, im: number, m: number, tw: number, split: number, out: number) => void;
type MelFn = (spec: number, bands: number, nMels: number, weights: number, out: number) => void;
type MelFramesFn = (sig: number, hopBytes: number, count: number, win: number, rev: number, re: number, im: number, m: number, tw: number, split: number, spec: number, bands: number, nMels: number, weights: number, out: number) => void;

/** Frames per `melFrames` call into the kernel: bounds its memory (~0.5 MB at hop 512) for signals of any length. */
const CHUNK_FRAMES = 128;

const compiledModule = lazyWasmModule(FFT_WASM_BASE64);

/** Size-dependent constant tables in the kernel's memory layout, computed once per size and window. */
export interface WasmFftTables {
  size: number;
  /** rev[i] = bitreverse(i) * 8 (byte offset of float32 sample pair i). */
  rev: Int32Array;
  window: Float64Array;
  /** Radix-4 twiddles, span >= 16, per pair (j, j+1): w1r w1i w2r w2i w3r w3i (each 2 values). */
  twiddles: Float64Array;
  /** cos(-2 pi k / N) / 2 for k <= N/2, then sin(-2 pi k / N) / 2 for k <= N/2. */
  split: Float64Array;
  /** Sparse mel filterbank: per band (first bin * 8, bin count), and the packed weights (empty when no filterbank). */
  melBands: Int32Array;
  melWeights: Float64Array;
  nMels: number;
}

/** The sparse mel filterbank of mel.ts (`MelFilterbank.flat`). */
export interface SparseFilterbank {
  start: Int32Array;
  offset: Int32Array;
  weights: Float64Array;
}

/**
 * The constant tables of a `size`-point real-FFT kernel (fft.wat here, shared/onsets/band-kernel.wat):
 * bit-reversal byte offsets of the m = size/2 complex points, twiddles of the radix-4 passes from span 16 (plus a
 * closing radix-2 pass of span m when m is not a power of 4), and the real-split table. Same expressions as
 * RealFftPlan, so kernel and JS paths use bit-identical twiddles.
 */
export function fftKernelTables(size: number): { rev: Int32Array; twiddles: Float64Array; split: Float64Array } {
  const m = size / 2;
  const bits = Math.round(Math.log2(m));
  const rev = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
    rev[i] = r * 8;
  }
  const tw: number[] = [];
  let span = 16;
  for (; span <= m; span *= 4) {
    for (let j = 0; j < span / 4; j += 2) {
      for (let p = 1; p <= 3; p++) {
        const a0 = (-2 * Math.PI * p * j) / span;
        const a1 = (-2 * Math.PI * p * (j + 1)) / span;
        tw.push(Math.cos(a0), Math.cos(a1), Math.sin(a0), Math.sin(a1));
      }
    }
  }
  if (span / 4 < m) {
    for (let j = 0; j < m / 2; j += 2) {
      const a0 = (-2 * Math.PI * j) / m;
      const a1 = (-2 * Math.PI * (j + 1)) / m;
      tw.push(Math.cos(a0), Math.cos(a1), Math.sin(a0), Math.sin(a1));
    }
  }
  const split = new Float64Array(2 * (m + 1));
  for (let k = 0; k <= m; k++) {
    const angle = (-2 * Math.PI * k) / size;
    split[k] = 0.5 * Math.cos(angle);
    split[m + 1 + k] = 0.5 * Math.sin(angle);
  }
  return { rev, twiddles: Float64Array.from(tw), split };
}

/** Tables for `size`-point frames with `window` (and the mel `filterbank`), or null when the kernel does not handle this size. */
export function wasmFftTables(size: number, window: Float64Array, filterbank?: SparseFilterbank): WasmFftTables | null {
  const m = size / 2;
  const bits = Math.round(Math.log2(m));
  if (!Number.isInteger(bits) || 2 ** bits !== m || bits % 2 !== 0 || m < 16 || window.length !== size) return null;
  const { rev, twiddles, split } = fftKernelTables(size);
  const nMels = filterbank ? filterbank.start.length : 0;
  const melBands = new Int32Array(2 * nMels);
  for (let b = 0; b < nMels && filterbank; b++) {
    melBands[2 * b] = filterbank.start[b] * 8;
    melBands[2 * b + 1] = filterbank.offset[b + 1] - filterbank.offset[b];
  }
  const melWeights = filterbank ? Float64Array.from(filterbank.weights) : new Float64Array(0);
  return { size, rev, window: Float64Array.from(window), twiddles, split, melBands, melWeights, nMels };
}

const align = (bytes: number) => Math.ceil(bytes / 16) * 16;

/**
 * One kernel instance with its own memory (constant tables, work buffers, one input frame).
 * Mutable: use it from one computation at a time.
 */
export class WasmPowerSpectrum {
  readonly size: number;
  readonly bins: number;
  readonly tables: WasmFftTables;
  private readonly powerFn: PowerFn;
  private readonly melFn: MelFn;
  private readonly melFramesFn: MelFramesFn;
  private readonly memory: WasmMemory;
  private readonly addr: { win: number; rev: number; re: number; im: number; tw: number; split: number; out: number; frame: number; bands: number; weights: number; mel: number; end: number };
  private outView: Float64Array;
  private melView: Float64Array;
  private frameView: Float32Array;

  private constructor(instance: WasmInstance, t: WasmFftTables) {
    const exports = instance.exports as { memory: WasmMemory; power: PowerFn; mel: MelFn; melFrames: MelFramesFn };
    const memory = exports.memory;
    this.memory = memory;
    this.powerFn = exports.power;
    this.melFn = exports.mel;
    this.melFramesFn = exports.melFrames;
    this.tables = t;
    this.size = t.size;
    const m = t.size / 2;
    this.bins = m + 1;
    let at = 0;
    const take = (bytes: number) => {
      const a = at;
      at += align(bytes);
      return a;
    };
    this.addr = {
      win: take(t.window.byteLength),
      rev: take(t.rev.byteLength),
      tw: take(t.twiddles.byteLength),
      split: take(t.split.byteLength),
      re: take(m * 8),
      im: take(m * 8),
      out: take((m + 1) * 8),
      frame: take(t.size * 4),
      bands: take(t.melBands.byteLength),
      weights: take(t.melWeights.byteLength),
      mel: take(t.nMels * 8),
      end: 0,
    };
    this.addr.end = at;
    ensureWasmMemory(memory, at);
    const buf = memory.buffer;
    new Float64Array(buf, this.addr.win, t.window.length).set(t.window);
    new Int32Array(buf, this.addr.rev, t.rev.length).set(t.rev);
    new Float64Array(buf, this.addr.tw, t.twiddles.length).set(t.twiddles);
    new Float64Array(buf, this.addr.split, t.split.length).set(t.split);
    new Int32Array(buf, this.addr.bands, t.melBands.length).set(t.melBands);
    new Float64Array(buf, this.addr.weights, t.melWeights.length).set(t.melWeights);
    this.outView = new Float64Array(buf, this.addr.out, this.bins);
    this.melView = new Float64Array(buf, this.addr.mel, t.nMels);
    this.frameView = new Float32Array(buf, this.addr.frame, t.size);
  }

  /** Grows the memory to `bytes` (views over the old buffer are detached by a grow, so they are rebuilt). */
  private ensureMemory(bytes: number): void {
    if (!ensureWasmMemory(this.memory, bytes)) return;
    const buf = this.memory.buffer;
    this.outView = new Float64Array(buf, this.addr.out, this.bins);
    this.melView = new Float64Array(buf, this.addr.mel, this.tables.nMels);
    this.frameView = new Float32Array(buf, this.addr.frame, this.size);
  }

  /** The kernel's input frame (N float32 samples, not yet windowed): fill it, then call `powerOfFrame` or `melOfFrame`. */
  get frame(): Float32Array {
    return this.frameView;
  }

  /**
   * Mel power spectra (power 2) of `count` frames y[first + t*hop .. + N), t < count (all inside `y`), written to
   * out[outBase + t*nMels + b]. The signal is copied into the kernel in chunks of CHUNK_FRAMES frames.
   */
  melFrames(y: Float32Array, options: { first: number; hop: number; count: number; out: Float64Array; outBase: number }): void {
    const { first, hop, count, out, outBase } = options;
    if (count <= 0) return;
    const nMels = this.tables.nMels;
    const chunk = Math.min(count, CHUNK_FRAMES);
    const chunkSamples = (chunk - 1) * hop + this.size;
    const sigAddr = this.addr.end;
    const melAddr = sigAddr + align(chunkSamples * 4);
    this.ensureMemory(melAddr + chunk * nMels * 8);
    const buf = this.memory.buffer;
    const a = this.addr;
    for (let done = 0; done < count; done += chunk) {
      const n = Math.min(chunk, count - done);
      const start = first + done * hop;
      const samples = (n - 1) * hop + this.size;
      new Float32Array(buf, sigAddr, samples).set(y.subarray(start, start + samples));
      this.melFramesFn(sigAddr, hop * 4, n, a.win, a.rev, a.re, a.im, this.size / 2, a.tw, a.split, a.out, a.bands, nMels, a.weights, melAddr);
      out.set(new Float64Array(buf, melAddr, n * nMels), outBase + done * nMels);
    }
  }

  /** A kernel for `tables`, or null where WebAssembly SIMD is unavailable. */
  static create(tables: WasmFftTables): WasmPowerSpectrum | null {
    const module = compiledModule();
    if (module === null) return null;
    return new WasmPowerSpectrum(instantiateWasm(module), tables);
  }

  /** |FFT(frame * window)|^2 for bins 0..N/2 of `this.frame`. Returns a view that the next call overwrites. */
  powerOfFrame(): Float64Array {
    const a = this.addr;
    this.powerFn(a.frame, a.win, a.rev, a.re, a.im, this.size / 2, a.tw, a.split, a.out);
    return this.outView;
  }

  /** The mel power spectrum (power 2) of `this.frame`: the tables' filterbank applied to `powerOfFrame()`. Returns a view that the next call overwrites. */
  melOfFrame(): Float64Array {
    const a = this.addr;
    this.powerFn(a.frame, a.win, a.rev, a.re, a.im, this.size / 2, a.tw, a.split, a.out);
    this.melFn(a.out, a.bands, this.tables.nMels, a.weights, a.mel);
    return this.melView;
  }
}

/**
 * One idle kernel kept for reuse: creating one costs ~0.1-0.4 ms (wasm memory), as much as a 2 s clip's features.
 * Only a cache: a kernel holds no state that outlives a call (its frame and work buffers are fully overwritten
 * before they are read), and users are synchronous, so results never depend on which kernel serves them.
 */
let idleKernel: WasmPowerSpectrum | null = null;

/** A kernel for `tables` (the idle one when it matches, else a new one), or null without WebAssembly SIMD. */
export function acquirePowerSpectrum(tables: WasmFftTables): WasmPowerSpectrum | null {
  const k = idleKernel;
  if (k !== null && k.tables === tables) {
    idleKernel = null;
    return k;
  }
  return WasmPowerSpectrum.create(tables);
}

/** Hands a kernel back for reuse once the computation that acquired it is done with it. */
export function releasePowerSpectrum(kernel: WasmPowerSpectrum): void {
  idleKernel = kernel;
}
