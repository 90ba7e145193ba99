import { describe, expect, it } from 'vitest';
import { barBeatToSeconds, boundaryBlocks, chordBlocks, sectionBlocks, formatTime, analysisChordBlocks } from './timeline';

describe('bar/beat to seconds', () => {
  it('is zero at bar 1 beat 1 and 4 beats a bar', () => {
    expect(barBeatToSeconds(1, 1, 120)).toBe(0);
    expect(barBeatToSeconds(2, 1, 120)).toBe(2);
    expect(barBeatToSeconds(1, 3, 120)).toBe(1);
    expect(barBeatToSeconds(3, 2.5, 111)).toBeCloseTo((8 + 1.5) * (60 / 111), 9);
  });
});

describe('track description blocks', () => {
  const d = {
    bpm: 120,
    sections: [
      { name: 'intro', first_bar: 1, last_bar: 8 },
      { name: 'drop', first_bar: 9, last_bar: 16 },
    ],
    chord_changes: [
      { bar: 1, beat: 1, beats: 4, symbol: 'Ebm9' },
      { bar: 2, beat: 1, beats: 2, symbol: 'Ab13' },
      { bar: 2, beat: 3, beats: 2, symbol: 'Ab13' },
      { bar: 3, beat: 1, beats: 4, symbol: 'Ebm9' },
    ],
  };
  it('places sections from their first bar to the end of their last', () => {
    expect(sectionBlocks(d)).toEqual([
      { label: 'intro', start: 0, end: 16 },
      { label: 'drop', start: 16, end: 32 },
    ]);
  });
  it('places chords and merges repeated neighbours', () => {
    expect(chordBlocks(d)).toEqual([
      { label: 'Ebm9', start: 0, end: 2 },
      { label: 'Ab13', start: 2, end: 4 },
      { label: 'Ebm9', start: 4, end: 6 },
    ]);
    expect(chordBlocks(d, false)).toHaveLength(4);
  });
  it('is empty without a tempo', () => {
    expect(sectionBlocks({ sections: d.sections })).toEqual([]);
  });
});

describe('analysis blocks', () => {
  it('names boundaries and ends at the duration', () => {
    expect(boundaryBlocks([0, 17.3, 36.6], 50)).toEqual([
      { label: 'A', start: 0, end: 17.3 },
      { label: 'B', start: 17.3, end: 36.6 },
      { label: 'C', start: 36.6, end: 50 },
    ]);
  });
  it('drops no-chord spans', () => {
    expect(analysisChordBlocks([{ start: 0, end: 1, label: 'N' }, { start: 1, end: 2, label: 'Eb:min7' }])).toEqual([
      { label: 'Eb:min7', start: 1, end: 2 },
    ]);
  });
  it('formats times', () => {
    expect(formatTime(0)).toBe('0:00');
    expect(formatTime(65.4)).toBe('1:05');
  });
});
