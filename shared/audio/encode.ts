/**
 * Writes mono float samples as a 16-bit PCM WAV (the dataset and synth-take format).
 * Samples are clipped to [-1, 1] and rounded the way soundfile/librosa read them back (x * 32767 → int16).
 */
export function encodeWav16(samples: Float32Array, sampleRate: number): Uint8Array {
  if (!(samples instanceof Float32Array)) throw new TypeError('encodeWav16: samples must be a Float32Array');
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) throw new TypeError(`encodeWav16: invalid sampleRate ${sampleRate}`);
  const dataBytes = samples.length * 2;
  const buf = new ArrayBuffer(44 + dataBytes);
  const view = new DataView(buf);
  const ascii = (offset: number, text: string) => {
    for (let i = 0; i < text.length; i++) view.setUint8(offset + i, text.charCodeAt(i));
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, dataBytes, true);
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, Number.isFinite(samples[i]) ? samples[i] : 0));
    view.setInt16(44 + i * 2, Math.round(s * 32767), true);
  }
  return new Uint8Array(buf);
}
