import { describe, expect, it } from 'vitest';
import { encodeWav, parseWav, wavSamples } from './wav';

describe('encodeWav', () => {
  it('writes a 16-bit PCM header that parses back', () => {
    const left = new Float32Array([0, 0.5, -0.5, 1, -1]);
    const right = new Float32Array([0.25, -0.25, 0, 2, -2]);
    const bytes = encodeWav([left, right], 44100);
    expect(bytes.byteLength).toBe(44 + 5 * 2 * 2);
    const v = new DataView(bytes);
    expect(String.fromCharCode(...new Uint8Array(bytes, 0, 4))).toBe('RIFF');
    expect(v.getUint32(4, true)).toBe(bytes.byteLength - 8);
    const info = parseWav(bytes);
    expect(info).toMatchObject({ format: 1, channels: 2, sampleRate: 44100, bitsPerSample: 16, frames: 5 });
    expect(info.seconds).toBeCloseTo(5 / 44100, 9);
    expect(v.getUint32(28, true)).toBe(44100 * 4); // byte rate
    expect(v.getUint16(32, true)).toBe(4); // block align
  });

  it('keeps the sample values (interleaved, clamped)', () => {
    const left = new Float32Array([0, 0.5, -0.5, 1, -1]);
    const right = new Float32Array([0.25, -0.25, 0, 2, -2]);
    const bytes = encodeWav([left, right], 8000);
    const v = new DataView(bytes);
    expect(v.getInt16(44, true)).toBe(0);
    expect(v.getInt16(46, true)).toBe(Math.round(0.25 * 32767));
    expect(v.getInt16(44 + 3 * 4, true)).toBe(32767);
    expect(v.getInt16(44 + 4 * 4, true)).toBe(-32768);
    expect(v.getInt16(44 + 3 * 4 + 2, true)).toBe(32767); // 2 clamped to 1
    const [l, r] = wavSamples(bytes);
    expect(l[1]).toBeCloseTo(0.5, 3);
    expect(l[2]).toBeCloseTo(-0.5, 3);
    expect(r[1]).toBeCloseTo(-0.25, 3);
  });

  it('gives the length in seconds of a longer mono file', () => {
    const info = parseWav(encodeWav([new Float32Array(48000 * 3)], 48000));
    expect(info.channels).toBe(1);
    expect(info.seconds).toBe(3);
  });

  it('refuses what is not a WAV', () => {
    expect(() => parseWav(new ArrayBuffer(20))).toThrow(/not a WAV/);
  });
});
