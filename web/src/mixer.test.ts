import { describe, expect, it } from 'vitest';
import { audible, effectiveGains, toggle, type Strip } from './mixer';

const strips = (): Strip[] => [
  { name: 'bass', gain: 1, mute: false, solo: false },
  { name: 'drums', gain: 2, mute: false, solo: false },
  { name: 'keys', gain: 4, mute: false, solo: false },
];

describe('mute and solo', () => {
  it('plays everything at its stored gain by default', () => {
    expect(effectiveGains(strips())).toEqual([1, 2, 4]);
  });
  it('silences muted stems', () => {
    expect(effectiveGains(toggle(strips(), 1, 'mute'))).toEqual([1, 0, 4]);
  });
  it('with a solo only soloed stems sound', () => {
    const s = toggle(strips(), 1, 'solo');
    expect(effectiveGains(s)).toEqual([0, 2, 0]);
    expect(effectiveGains(toggle(s, 2, 'solo'))).toEqual([0, 2, 4]);
  });
  it('a muted soloed stem stays silent; unsoloing restores the rest', () => {
    let s = toggle(toggle(strips(), 0, 'solo'), 0, 'mute');
    expect(audible(s)).toEqual([false, false, false]);
    s = toggle(toggle(s, 0, 'solo'), 0, 'mute');
    expect(effectiveGains(s)).toEqual([1, 2, 4]);
  });
  it('does not change the input', () => {
    const s = strips();
    toggle(s, 0, 'mute');
    expect(s[0].mute).toBe(false);
  });
});
