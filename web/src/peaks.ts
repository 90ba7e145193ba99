// Waveform peaks: the largest absolute sample in each of `buckets` equal slices.

export interface PeakSource {
  channels: Float32Array[];
  gain?: number;
}

/** Peaks of the sum of the sources (each × its gain, channels averaged), in [0, ∞). */
export function mixPeaks(sources: PeakSource[], buckets: number): Float32Array {
  const out = new Float32Array(Math.max(0, buckets));
  const length = Math.max(0, ...sources.map((s) => (s.channels[0] ? s.channels[0].length : 0)));
  if (length === 0 || buckets <= 0) return out;
  const per = length / buckets;
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor(b * per);
    const end = Math.max(start + 1, Math.floor((b + 1) * per));
    let peak = 0;
    for (let i = start; i < end && i < length; i++) {
      let sum = 0;
      for (const s of sources) {
        const g = s.gain ?? 1;
        let frame = 0;
        for (const ch of s.channels) frame += i < ch.length ? ch[i] : 0;
        sum += (frame / (s.channels.length || 1)) * g;
      }
      const a = Math.abs(sum);
      if (a > peak) peak = a;
    }
    out[b] = peak;
  }
  return out;
}

/** Peaks of one signal. */
export function peaks(samples: Float32Array, buckets: number): Float32Array {
  return mixPeaks([{ channels: [samples] }], buckets);
}

/** Scales peaks so the largest is 1 (all zeros stay zeros). */
export function normalise(p: Float32Array): Float32Array {
  let max = 0;
  for (const x of p) if (x > max) max = x;
  return max > 0 ? p.map((x) => x / max) : p;
}
