/**
 * The onset detector's band magnitudes (flux.ts BandAnalyzer) as a WebAssembly SIMD kernel: windowed real FFT
 * power spectrum, square root, triangular filterbank, for many consecutive frames per call. float64 throughout
 * like the JS path; the FFT's operation order differs (radix-4 passes then a radix-2 pass, where the JS plan puts
 * the radix-2 pass first), so band values agree with the JS path to ~1e-12 relative, not bit for bit.
 * Source: shared/onsets/band-kernel.wat (adapted from shared/features/fft.wat). After editing it, regenerate with
 *   wat2wasm shared/onsets/band-kernel.wat -o /tmp/band.wasm && base64 -w0 /tmp/band.wasm
 * Returns null (callers use the JS path) where WebAssembly SIMD is unavailable.
 */
import { fftKernelTables } from '../features/wasm-fft';
import { ensureWasmMemory, instantiateWasm, lazyWasmModule, WasmMemory } from '../wasm';

const BAND_WASM_BASE64 = 'AGFzbQEAAAABJwNgCX9/f39/f39/fwBgBX9/f39/AGAPf39/f39/f39/f39/f39/AAMEAwABAgUDAQABByUEBm1lbW9yeQIABXBvd2VyAAADbWVsAAEKYmFuZEZyYW1lcwACCu4QA6AOBgR/EHwIfxh7A38GfCAFQQN0ISRBACEJA0AgAiAJQQJ0aigCACELIAEgC0EBdGohDCAAIAtqKgIAuyAMKwMAoiENIAAgC2oqAgS7IAwrAwiiIQ4gAiAJQQJ0aigCBCELIAEgC0EBdGohDCAAIAtqKgIAuyAMKwMAoiEPIAAgC2oqAgS7IAwrAwiiIRAgAiAJQQJ0aigCCCELIAEgC0EBdGohDCAAIAtqKgIAuyAMKwMAoiERIAAgC2oqAgS7IAwrAwiiIRIgAiAJQQJ0aigCDCELIAEgC0EBdGohDCAAIAtqKgIAuyAMKwMAoiETIAAgC2oqAgS7IAwrAwiiIRQgDSAPoCEVIA4gEKAhFiANIA+hIRcgDiAQoSEYIBEgE6AhGSASIBSgIRogESAToSEbIBIgFKEhHCADIAlBA3RqISEgISAVIBmgOQMAICEgFSAZoTkDECAhIBcgHKA5AwggISAXIByhOQMYIAQgCUEDdGohISAhIBYgGqA5AwAgISAWIBqhOQMQICEgGCAboTkDCCAhIBggG6A5AxggCUEEaiEJIAkgBUkNAAtBECEdIAYhIwJAA0AgHSAFSw0BIB1BAXQhHkEAIR8DQCAjISJBACEgA0AgHyAgaiEhICL9AAQAIScgIv0ABBAhKCAi/QAEICEpICL9AAQwISogIv0ABEAhKyAi/QAEUCEsIAMgIWr9AAQAIS0gBCAhav0ABAAhLiADICFqIB5q/QAEACElIAQgIWogHmr9AAQAISYgJSAp/fIBICYgKv3yAf3xASEvICUgKv3yASAmICn98gH98AEhMCADICFqIB5qIB5q/QAEACElIAQgIWogHmogHmr9AAQAISYgJSAn/fIBICYgKP3yAf3xASExICUgKP3yASAmICf98gH98AEhMiADICFqIB5qIB5qIB5q/QAEACElIAQgIWogHmogHmogHmr9AAQAISYgJSAr/fIBICYgLP3yAf3xASEzICUgLP3yASAmICv98gH98AEhNCAtIC/98AEhNSAuIDD98AEhNiAtIC/98QEhNyAuIDD98QEhOCAxIDP98AEhOSAyIDT98AEhOiAxIDP98QEhOyAyIDT98QEhPCADICFqIDUgOf3wAf0LBAAgBCAhaiA2IDr98AH9CwQAIAMgIWogHmogHmogNSA5/fEB/QsEACAEICFqIB5qIB5qIDYgOv3xAf0LBAAgAyAhaiAeaiA3IDz98AH9CwQAIAQgIWogHmogOCA7/fEB/QsEACADICFqIB5qIB5qIB5qIDcgPP3xAf0LBAAgBCAhaiAeaiAeaiAeaiA4IDv98AH9CwQAICJB4ABqISIgIEEQaiEgICAgHkkNAAsgHyAdQQN0aiEfIB8gJEkNAAsgIyAeQQZsaiEjIB1BAnQhHQwACwsgHUECdiAFSQRAICRBAXYhHiAjISJBACEgA0AgIv0ABAAhJyAi/QAEECEoIAMgIGr9AAQAIS0gBCAgav0ABAAhLiADICBqIB5q/QAEACElIAQgIGogHmr9AAQAISYgJSAn/fIBICYgKP3yAf3xASE1ICUgKP3yASAmICf98gH98AEhNiADICBqIC0gNf3wAf0LBAAgBCAgaiAuIDb98AH9CwQAIAMgIGogHmogLSA1/fEB/QsEACAEICBqIB5qIC4gNv3xAf0LBAAgIkEgaiEiICBBEGohICAgIB5JDQALCyADKwMAIAQrAwCgIUQgCCBEIESiOQMAIAMrAwAgBCsDAKEhRCAIICRqIEQgRKI5AwBBCCE+ICRBCGshCgJAA0AgPiAKTw0BICQgPmtBCGshPyADID5q/QAEACElIAQgPmr9AAQAISYgAyA/av0ABAAhJyAnICf9DQgJCgsMDQ4PAAECAwQFBgchJyAEID9q/QAEACEoICggKP0NCAkKCwwNDg8AAQIDBAUGByEoICUgJ/3wASE1ICYgKP3xASE2ICYgKP3wASE3ICcgJf3xASE4IAcgPmr9AAQAISkgByAkaiA+QQhqav0ABAAhKkQAAAAAAADgP/0UIDX98gEgKSA3/fIB/fABICogOP3yAf3xASEtRAAAAAAAAOA//RQgNv3yASApIDj98gH98AEgKiA3/fIB/fABIS4gCCA+aiAtIC398gEgLiAu/fIB/fAB/QsEACA+QRBqIT4MAAsLAkADQCA+ICRPDQEgJCA+ayE/IAMgPmorAwAhDSAEID5qKwMAIQ4gAyA/aisDACEPIAQgP2orAwAhECANIA+gIUAgDiAQoSFBIA4gEKAhQiAPIA2hIUMgByA+aisDACEVIAcgJGogPmorAwghFkQAAAAAAADgPyBAoiAVIEKioCAWIEOioSFERAAAAAAAAOA/IEGiIBUgQ6KgIBYgQqKgIUUgCCA+aiBEIESiIEUgRaKgOQMAID5BCGohPgwACwsLzAEDBX8BewF8IAMhBwJAA0AgBSACTw0BIAAgASAFQQN0aigCAGohBiABIAVBA3RqKAIEIQggByAIQX5xQQN0aiEJ/QwAAAAAAAAAAAAAAAAAAAAAIQoCQANAIAcgCU8NASAKIAf9AAQAIAb9AAQA/fIB/fABIQogB0EQaiEHIAZBEGohBgwACwsgCv0hACAK/SEBoCELIAhBAXEEQCALIAcrAwAgBisDAKKgIQsgB0EIaiEHCyAEIAVBA3RqIAs5AwAgBUEBaiEFDAALCwt8AQN/IAogB0EBakEDdGohEQJAA0AgDyACTw0BIAAgAyAEIAUgBiAHIAggCSAKEAAgCiEQA0AgECAQ/QAEAP3vAf0LBAAgEEEQaiEQIBAgEUkNAAsgCiALIAwgDSAOEAEgACABaiEAIA4gDEEDdGohDiAPQQFqIQ8MAAsLCw==';

type PowerFn = (sig: number, win: number, rev: number, re: number, im: number, m: number, tw: number, split: number, out: number) => void;
type BandFramesFn = (sig: number, hopBytes: number, count: number, win: number, rev: number, re: number, im: number, m: number, tw: number, split: number, spec: number, bands: number, nBands: number, weights: number, out: number) => void;

/** Frames per kernel call: bounds the kernel's memory (~0.5 MB at hop 256) for inputs of any length. */
const CHUNK_FRAMES = 256;

const compiledModule = lazyWasmModule(BAND_WASM_BASE64);

/** A filterbank on STFT bins: per band its first bin and triangular weights (flux.ts Filterbank). */
export interface BinFilterbank {
  start: Int32Array;
  weights: Float32Array[];
}

const align = (bytes: number) => Math.ceil(bytes / 16) * 16;

/** The filterbank as the kernel reads it: per band its first bin's byte offset and weight count, then all weights. */
function bandTables(filterbank: BinFilterbank) {
  const nBands = filterbank.weights.length;
  const bands = new Int32Array(2 * nBands);
  const weights: number[] = [];
  for (let b = 0; b < nBands; b++) {
    bands[2 * b] = filterbank.start[b] * 8;
    bands[2 * b + 1] = filterbank.weights[b].length;
    for (const w of filterbank.weights[b]) weights.push(w);
  }
  return { bands, weights: Float64Array.from(weights), nBands };
}

/** Where the power stage's inputs and buffers sit in a kernel's memory (both kernels lay them out alike). */
interface PowerAddresses {
  win: number;
  rev: number;
  tw: number;
  split: number;
  re: number;
  im: number;
  spec: number;
}

/** Sizes that both kernels take (power of two >= 32) with a window of that length. */
function supportedFrame(size: number, window: Float64Array): boolean {
  return Number.isInteger(size) && size >= 32 && (size & (size - 1)) === 0 && window.length === size;
}

/**
 * Lays out a kernel's memory from byte 0: the window, the FFT tables and the work and spectrum buffers, then the
 * caller's `extra` regions (16-byte aligned); grows the memory and writes the window and tables. `end` is the first
 * free byte.
 */
function placePowerStage<K extends string>(memory: WasmMemory, size: number, window: Float64Array, extra: Record<K, number>): { power: PowerAddresses; extra: Record<K, number>; end: number } {
  const { rev, twiddles, split } = fftKernelTables(size);
  const m = size / 2;
  let at = 0;
  const take = (bytes: number) => {
    const a = at;
    at += align(bytes);
    return a;
  };
  const power = { win: take(size * 8), rev: take(rev.byteLength), tw: take(twiddles.byteLength), split: take(split.byteLength), re: take(m * 8), im: take(m * 8), spec: take((m + 2) * 8) };
  const placed = Object.fromEntries(Object.entries<number>(extra).map(([k, bytes]) => [k, take(bytes)])) as Record<K, number>;
  ensureWasmMemory(memory, at);
  const buf = memory.buffer;
  new Float64Array(buf, power.win, size).set(window);
  new Int32Array(buf, power.rev, rev.length).set(rev);
  new Float64Array(buf, power.tw, twiddles.length).set(twiddles);
  new Float64Array(buf, power.split, split.length).set(split);
  return { power, extra: placed, end: at };
}

/** One kernel instance with its own memory; mutable: one tracker uses it at a time. */
export class BandKernel {
  readonly size: number;
  readonly bands: number;
  private readonly fn: BandFramesFn;
  private readonly memory: WasmMemory;
  private readonly addr: PowerAddresses & { bands: number; weights: number; end: number };

  private constructor(exports: { memory: WasmMemory; bandFrames: BandFramesFn }, size: number, window: Float64Array, filterbank: BinFilterbank) {
    this.fn = exports.bandFrames;
    this.memory = exports.memory;
    this.size = size;
    const t = bandTables(filterbank);
    this.bands = t.nBands;
    const placed = placePowerStage(this.memory, size, window, { bands: t.bands.byteLength, weights: t.weights.byteLength });
    this.addr = { ...placed.power, ...placed.extra, end: placed.end };
    const buf = this.memory.buffer;
    new Int32Array(buf, this.addr.bands, t.bands.length).set(t.bands);
    new Float64Array(buf, this.addr.weights, t.weights.length).set(t.weights);
  }

  /** A kernel, or null where WebAssembly SIMD is unavailable or the size is unsupported (not a power of two >= 32). */
  static create(size: number, window: Float64Array, filterbank: BinFilterbank): BandKernel | null {
    if (!supportedFrame(size, window)) return null;
    const module = compiledModule();
    if (module === null) return null;
    return new BandKernel(instantiateWasm(module).exports as { memory: WasmMemory; bandFrames: BandFramesFn }, size, window, filterbank);
  }

  /**
   * Band magnitudes of `count` frames y[first + t*hop .. + size) (all inside `y`), written as float32 to
   * out[outOffset + t*bands + b].
   */
  bandFrames(y: Float32Array, first: number, hop: number, count: number, out: Float32Array, outOffset: number): void {
    if (count <= 0) return;
    const nb = this.bands;
    const chunk = Math.min(count, CHUNK_FRAMES);
    const sigAddr = this.addr.end;
    const outAddr = sigAddr + align(((chunk - 1) * hop + this.size) * 4);
    ensureWasmMemory(this.memory, outAddr + chunk * nb * 8);
    const buf = this.memory.buffer;
    const a = this.addr;
    for (let done = 0; done < count; done += chunk) {
      const n = Math.min(chunk, count - done);
      const start = first + done * hop;
      const samples = (n - 1) * hop + this.size;
      new Float32Array(buf, sigAddr, samples).set(y.subarray(start, start + samples));
      this.fn(sigAddr, hop * 4, n, a.win, a.rev, a.re, a.im, this.size / 2, a.tw, a.split, a.spec, a.bands, nb, a.weights, outAddr);
      const res = new Float64Array(buf, outAddr, n * nb);
      out.set(res, outOffset + done * nb);
    }
  }
}

/**
 * The same kernel's windowed power spectrum alone, for one frame of any power-of-two size >= 32 (the features'
 * kernel, fft.wat, takes only 2 · 4^k): note pitch uses it for its 4096-point spectra. float64; agrees with
 * RealFftPlan to ~1e-12 relative. One instance per user; mutable.
 */
export class PowerSpectrumKernel {
  readonly size: number;
  readonly bins: number;
  private readonly fn: PowerFn;
  private readonly addr: PowerAddresses & { frame: number };
  /** The input frame (float32, not yet windowed): fill it, then call `powerOfFrame`. */
  readonly frame: Float32Array;
  private readonly out: Float64Array;

  private constructor(exports: { memory: WasmMemory; power: PowerFn }, size: number, window: Float64Array) {
    this.fn = exports.power;
    this.size = size;
    this.bins = size / 2 + 1;
    const placed = placePowerStage(exports.memory, size, window, { frame: size * 4 });
    this.addr = { ...placed.power, ...placed.extra };
    const buf = exports.memory.buffer;
    this.frame = new Float32Array(buf, this.addr.frame, size);
    this.out = new Float64Array(buf, this.addr.spec, this.bins);
  }

  /** A kernel for `size`-point frames times `window`, or null where WebAssembly SIMD is unavailable or the size is unsupported. */
  static create(size: number, window: Float64Array): PowerSpectrumKernel | null {
    if (!supportedFrame(size, window)) return null;
    const module = compiledModule();
    if (module === null) return null;
    return new PowerSpectrumKernel(instantiateWasm(module).exports as { memory: WasmMemory; power: PowerFn }, size, window);
  }

  /** |FFT(frame · window)|^2, bins 0..N/2, as a view that the next call overwrites. */
  powerOfFrame(): Float64Array {
    const a = this.addr;
    this.fn(a.frame, a.win, a.rev, a.re, a.im, this.size / 2, a.tw, a.split, a.spec);
    return this.out;
  }
}
