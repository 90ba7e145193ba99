// Mute and solo as in a DAW: with any stem soloed only the soloed ones sound (a soloed stem
// that is also muted stays silent); with none soloed every unmuted stem sounds.

export interface Strip {
  name: string;
  gain: number; // the stem's stored gain (decoded samples × gain = the real stem)
  mute: boolean;
  solo: boolean;
}

export function audible(strips: Strip[]): boolean[] {
  const anySolo = strips.some((s) => s.solo);
  return strips.map((s) => !s.mute && (!anySolo || s.solo));
}

/** The gain each stem's GainNode gets. */
export function effectiveGains(strips: Strip[]): number[] {
  const on = audible(strips);
  return strips.map((s, i) => (on[i] ? s.gain : 0));
}

export function toggle(strips: Strip[], index: number, what: 'mute' | 'solo'): Strip[] {
  return strips.map((s, i) => (i === index ? { ...s, [what]: !s[what] } : s));
}
