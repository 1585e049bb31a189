/**
 * The little WebAssembly plumbing the SIMD kernels share (shared/audio/simd-dot.ts, shared/features/wasm-fft.ts,
 * shared/onsets/band-kernel.ts).
 * The project's TypeScript lib has no DOM/WebAssembly typings, so the few APIs used are declared here.
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => WasmInstance;
};

const PAGE_BYTES = 65536;

/** Compiles an embedded (base64) module, or returns null where WebAssembly or its SIMD extension is unavailable. */
export function compileWasm(base64: string): object | null {
  if (typeof WebAssembly !== 'object') return null;
  try {
    return new WebAssembly.Module(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
  } catch {
    return null;
  }
}

/**
 * compileWasm(base64), done on first use and remembered (a compiled module is immutable; each kernel gets its own
 * instance and memory): the one process-wide cache the kernels keep.
 */
export function lazyWasmModule(base64: string): () => object | null {
  let compiled: object | null | undefined;
  return () => {
    if (compiled === undefined) compiled = compileWasm(base64);
    return compiled;
  };
}

export function instantiateWasm(module: object): WasmInstance {
  return new WebAssembly.Instance(module, {});
}

/** Grows `memory` to hold at least `bytes`; true when it grew (views over the old buffer are then detached). */
export function ensureWasmMemory(memory: WasmMemory, bytes: number): boolean {
  const missing = bytes - memory.buffer.byteLength;
  if (missing <= 0) return false;
  memory.grow(Math.ceil(missing / PAGE_BYTES));
  return true;
}
