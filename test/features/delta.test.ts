import { delta, savgolWeights } from '../../shared/features/delta';

function column(frames: number, f: (t: number) => number, coefficients = 2): Float64Array {
  const data = new Float64Array(frames * coefficients);
  for (let t = 0; t < frames; t++) for (let c = 0; c < coefficients; c++) data[t * coefficients + c] = (c + 1) * f(t);
  return data;
}

describe('delta (librosa.feature.delta, Savitzky-Golay, mode interp)', () => {
  it('interior first-order weights are the classic (-4..4) / 60', () => {
    const w = savgolWeights({ width: 9, polyorder: 1, deriv: 1, at: 0 });
    Array.from(w).forEach((v, j) => expect(v).toBeCloseTo((j - 4) / 60, 14));
  });

  it('is exact on a ramp at every frame, edges included (order 1), and zero for order 2', () => {
    const data = column(30, (t) => 3 * t - 7);
    const d1 = delta(data, { frames: 30, coefficients: 2 });
    const d2 = delta(data, { frames: 30, coefficients: 2, order: 2 });
    for (let t = 0; t < 30; t++) {
      expect(d1[t * 2]).toBeCloseTo(3, 10);
      expect(d1[t * 2 + 1]).toBeCloseTo(6, 10);
      expect(d2[t * 2]).toBeCloseTo(0, 10);
    }
  });

  it('recovers the second derivative of a parabola everywhere and the slope in the interior', () => {
    const data = column(20, (t) => 0.5 * t * t, 1);
    const d2 = delta(data, { frames: 20, coefficients: 1, order: 2 });
    const d1 = delta(data, { frames: 20, coefficients: 1, order: 1 });
    for (let t = 0; t < 20; t++) expect(d2[t]).toBeCloseTo(1, 9);
    for (let t = 4; t < 16; t++) expect(d1[t]).toBeCloseTo(t, 9);
    // Edges: a straight line fitted to frames 0..8 of a parabola has slope 4 everywhere in that window.
    for (let t = 0; t < 4; t++) expect(d1[t]).toBeCloseTo(4, 9);
  });

  it('rejects too few frames, even widths and mismatched sizes', () => {
    expect(() => delta(new Float64Array(8), { frames: 8, coefficients: 1 })).toThrow(/at least width=9/);
    expect(() => delta(new Float64Array(20), { frames: 20, coefficients: 1, width: 8 })).toThrow(/odd/);
    expect(() => delta(new Float64Array(20), { frames: 10, coefficients: 1 })).toThrow(/expected 10 x 1/);
    expect(() => delta(new Float64Array(20), { frames: 20, coefficients: 1, order: 0 })).toThrow(/order/);
  });
});
