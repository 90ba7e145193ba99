import { describe, expect, it } from 'vitest';
import { mixPeaks, normalise, peaks } from './peaks';

describe('peaks', () => {
  it('takes the largest absolute sample of each slice', () => {
    const s = new Float32Array([0.1, -0.9, 0.2, 0.3, -0.1, 0.05, 0.5, -0.6]);
    expect(Array.from(peaks(s, 4)).map((x) => +x.toFixed(3))).toEqual([0.9, 0.3, 0.1, 0.6]);
  });

  it('sums stems times their gain (the mix)', () => {
    const a = { channels: [new Float32Array([0.1, 0.1, -0.2, 0])], gain: 2 };
    const b = { channels: [new Float32Array([0.1, -0.3, 0, 0])] };
    const p = mixPeaks([a, b], 2);
    expect(p[0]).toBeCloseTo(0.3, 6); // max(|0.2+0.1|, |0.2-0.3|)
    expect(p[1]).toBeCloseTo(0.4, 6);
  });

  it('averages the channels of a stereo source and handles short inputs', () => {
    const st = { channels: [new Float32Array([1, 0]), new Float32Array([0, 0])] };
    expect(Array.from(mixPeaks([st], 2))).toEqual([0.5, 0]);
    expect(Array.from(peaks(new Float32Array([0.5]), 3))).toEqual([0.5, 0.5, 0.5]);
    expect(Array.from(peaks(new Float32Array(0), 3))).toEqual([0, 0, 0]);
  });

  it('normalises to a peak of 1', () => {
    expect(Array.from(normalise(new Float32Array([0.25, 0.5])))).toEqual([0.5, 1]);
    expect(Array.from(normalise(new Float32Array([0, 0])))).toEqual([0, 0]);
  });
});
