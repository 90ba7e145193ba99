// Bars and beats (1-based, 4 beats a bar) to seconds, and the labelled blocks of a track's
// description (track.json): its sections and chord changes.

export const BEATS_PER_BAR = 4;

export function barBeatToSeconds(bar: number, beat: number, bpm: number): number {
  return ((bar - 1) * BEATS_PER_BAR + (beat - 1)) * (60 / bpm);
}

export interface Block {
  label: string;
  start: number;
  end: number;
}

export interface TrackDescription {
  bars?: number;
  bpm?: number;
  key?: string;
  seconds?: number;
  style?: string;
  sections?: { name: string; first_bar: number; last_bar: number; energy?: number }[];
  chord_changes?: { bar: number; beat: number; beats: number; symbol: string }[];
}

/** Sections as blocks: from the start of first_bar to the end of last_bar. */
export function sectionBlocks(d: TrackDescription): Block[] {
  const bpm = d.bpm ?? 0;
  if (!bpm || !d.sections) return [];
  return d.sections.map((s) => ({
    label: s.name,
    start: barBeatToSeconds(s.first_bar, 1, bpm),
    end: barBeatToSeconds(s.last_bar + 1, 1, bpm),
  }));
}

/** Chord changes as blocks, each lasting its beats; repeated neighbours are merged. */
export function chordBlocks(d: TrackDescription, merge = true): Block[] {
  const bpm = d.bpm ?? 0;
  if (!bpm || !d.chord_changes) return [];
  const out: Block[] = [];
  for (const c of d.chord_changes) {
    const start = barBeatToSeconds(c.bar, c.beat, bpm);
    const end = start + c.beats * (60 / bpm);
    const last = out[out.length - 1];
    if (merge && last && last.label === c.symbol && Math.abs(last.end - start) < 1e-6) last.end = end;
    else out.push({ label: c.symbol, start, end });
  }
  return out;
}

/** Analysis chords ({start, end, label}) as blocks, without the "N" (no chord) ones. */
export function analysisChordBlocks(chords: { start: number; end: number; label: string }[]): Block[] {
  return chords.filter((c) => c.label !== 'N').map((c) => ({ label: c.label, start: c.start, end: c.end }));
}

/** Section boundaries (seconds) as blocks named A, B, C… up to `duration`. */
export function boundaryBlocks(bounds: number[], duration: number): Block[] {
  const sorted = [...bounds].sort((a, b) => a - b);
  const out: Block[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const end = i + 1 < sorted.length ? sorted[i + 1] : duration;
    if (end > sorted[i]) out.push({ label: String.fromCharCode(65 + (i % 26)), start: sorted[i], end });
  }
  return out;
}

export function formatTime(seconds: number): string {
  if (!isFinite(seconds) || seconds < 0) seconds = 0;
  const m = Math.floor(seconds / 60);
  const s = Math.floor(seconds % 60);
  return `${m}:${String(s).padStart(2, '0')}`;
}
