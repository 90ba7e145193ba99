import type { Artifact } from '../api';
import { analysisChordBlocks, boundaryBlocks } from '../timeline';
import { Timeline } from './common';
import { StemPlayer, type Overlay } from './player';

interface Marker {
  holds?: boolean;
  [k: string]: unknown;
}

export interface Analysis {
  seconds: number;
  bpm: number;
  beats?: number[];
  downbeats?: number[];
  key?: string;
  key_confidence?: number;
  chords?: { start: number; end: number; label: string }[];
  sections?: number[];
  loudness?: { integrated_lufs?: number; true_peak_dbtp?: number; range_lu?: number };
  amapiano?: {
    tempo?: Marker & { bpm?: number };
    log_drum?: Marker & { off_beat_hits_per_bar?: number; glide_semitones?: number };
    shaker?: Marker & { sixteenth_density?: number };
    swing?: Marker & { percent?: number };
    summary?: string;
  };
  style?: { style?: string; confidence?: number };
}

const n = (v: unknown, digits = 1) => (typeof v === 'number' ? v.toFixed(digits) : '–');

function markerRows(a: Analysis): { name: string; holds: boolean | undefined; value: string }[] {
  const m = a.amapiano ?? {};
  return [
    { name: 'Tempo', holds: m.tempo?.holds, value: `${n(m.tempo?.bpm)} BPM` },
    { name: 'Log drum', holds: m.log_drum?.holds, value: `${n(m.log_drum?.off_beat_hits_per_bar)} off-beat hits a bar, glide ${n(m.log_drum?.glide_semitones)} st` },
    { name: 'Shaker', holds: m.shaker?.holds, value: `sixteenth density ${n(m.shaker?.sixteenth_density, 2)}` },
    { name: 'Swing', holds: m.swing?.holds, value: `${n(m.swing?.percent)} %` },
  ];
}

export function analysisOverlay(a: Analysis): Overlay {
  return (g, w, h, duration) => {
    if (!duration) return;
    const x = (t: number) => (t / duration) * w;
    g.fillStyle = 'rgba(255,255,255,0.35)';
    for (const b of a.beats ?? []) g.fillRect(x(b), 0, 1, h * 0.12);
    g.fillStyle = '#7fd1c7';
    for (const b of a.downbeats ?? []) g.fillRect(x(b), 0, 2, h * 0.25);
    g.fillStyle = '#e5484d';
    for (const s of a.sections ?? []) g.fillRect(x(s), 0, 2, h);
    // the markers that hold, as labels along the bottom
    const rows = markerRows(a);
    g.font = `${Math.round(h * 0.1)}px system-ui, sans-serif`;
    let cx = 4;
    for (const r of rows) {
      const text = `${r.holds ? '✓' : '✗'} ${r.name}`;
      g.fillStyle = r.holds ? '#7fd1c7' : '#e5484d';
      g.fillText(text, cx, h - 6);
      cx += g.measureText(text).width + 12;
    }
  };
}

export function AnalysisView({ analysis, audioKey, audioName = 'track.flac' }: { analysis: Analysis; audioKey: string; audioName?: string }) {
  const audio: Artifact[] = [{ name: audioName === 'track.flac' ? 'track.flac' : 'track.flac', key: audioKey, size: 0, content_type: 'audio/*' }];
  const rows = markerRows(analysis);
  return (
    <section class="analysis" aria-label="Analysis" data-testid="analysis">
      <h2>Analysis</h2>
      <StemPlayer
        artifacts={audio}
        overlay={analysisOverlay(analysis)}
        below={(duration) => (
          <Timeline
            duration={duration || analysis.seconds}
            rows={[
              { label: 'Sections', blocks: boundaryBlocks(analysis.sections ?? [], duration || analysis.seconds) },
              { label: 'Chords', blocks: analysisChordBlocks(analysis.chords ?? []) },
            ]}
          />
        )}
      />
      <dl class="summary">
        <div>
          <dt>BPM</dt>
          <dd>{n(analysis.bpm)}</dd>
        </div>
        <div>
          <dt>Key</dt>
          <dd>
            {analysis.key ?? '–'}
            {analysis.key_confidence !== undefined ? ` (${Math.round(analysis.key_confidence * 100)} %)` : ''}
          </dd>
        </div>
        <div>
          <dt>Loudness</dt>
          <dd>{n(analysis.loudness?.integrated_lufs)} LUFS</dd>
        </div>
        <div>
          <dt>True peak</dt>
          <dd>{n(analysis.loudness?.true_peak_dbtp)} dBTP</dd>
        </div>
        <div>
          <dt>Range</dt>
          <dd>{n(analysis.loudness?.range_lu)} LU</dd>
        </div>
        {analysis.style?.style && (
          <div>
            <dt>Style</dt>
            <dd>
              {analysis.style.style.replace(/_/g, ' ')} ({Math.round((analysis.style.confidence ?? 0) * 100)} %)
            </dd>
          </div>
        )}
      </dl>
      <h3>Amapiano markers</h3>
      <ul class="markers">
        {rows.map((r) => (
          <li key={r.name} class={r.holds ? 'holds' : 'fails'}>
            <strong>{r.name}</strong>: {r.holds === undefined ? 'not measured' : r.holds ? 'holds' : 'does not hold'} · {r.value}
          </li>
        ))}
      </ul>
      {analysis.amapiano?.summary && <p>{analysis.amapiano.summary}</p>}
    </section>
  );
}
