import { useEffect, useRef, useState } from 'preact/hooks';
import type { Artifact } from '../api';
import { MultiPlayer, audioContext } from '../player';
import { mixPeaks, normalise } from '../peaks';
import { artifactBytes } from '../offline';
import { errorText, hooks } from '../state';
import { toggle } from '../mixer';
import { formatTime } from '../timeline';

export type Overlay = (ctx: CanvasRenderingContext2D, w: number, h: number, duration: number) => void;

/** A canvas waveform with a playhead; tap or click to seek, arrow keys to step. */
export function Waveform({
  peaks,
  duration,
  position,
  onSeek,
  overlay,
  label = 'Waveform: tap to seek',
}: {
  peaks: Float32Array;
  duration: number;
  position: () => number;
  onSeek?: (t: number) => void;
  overlay?: Overlay;
  label?: string;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const [now, setNow] = useState(0);
  useEffect(() => {
    let raf = 0;
    let lastShown = -1;
    const draw = () => {
      const canvas = ref.current;
      if (canvas) {
        const dpr = window.devicePixelRatio || 1;
        const w = Math.max(1, Math.round(canvas.clientWidth * dpr));
        const h = Math.max(1, Math.round(canvas.clientHeight * dpr));
        if (canvas.width !== w || canvas.height !== h) {
          canvas.width = w;
          canvas.height = h;
        }
        const g = canvas.getContext('2d');
        if (g) {
          const pos = position();
          const px = duration > 0 ? (pos / duration) * w : 0;
          g.clearRect(0, 0, w, h);
          const n = peaks.length;
          const mid = h / 2;
          for (let x = 0; x < w; x++) {
            const p = n ? peaks[Math.min(n - 1, Math.floor((x / w) * n))] : 0;
            g.fillStyle = x < px ? '#f2a33a' : '#6b5a48';
            const half = Math.max(1, p * mid * 0.95);
            g.fillRect(x, mid - half, 1, half * 2);
          }
          overlay?.(g, w, h, duration);
          g.fillStyle = '#fff';
          g.fillRect(Math.min(w - 2, px), 0, 2 * dpr, h);
          const shown = Math.floor(pos * 4);
          if (shown !== lastShown) {
            lastShown = shown;
            setNow(pos);
          }
        }
      }
      raf = requestAnimationFrame(draw);
    };
    raf = requestAnimationFrame(draw);
    return () => cancelAnimationFrame(raf);
  }, [peaks, duration, position, overlay]);

  const seekAt = (clientX: number) => {
    const c = ref.current;
    if (!c || !onSeek || !duration) return;
    const r = c.getBoundingClientRect();
    onSeek(Math.max(0, Math.min(1, (clientX - r.left) / r.width)) * duration);
  };
  return (
    <div class="waveform-wrap">
      <canvas
        ref={ref}
        class="waveform"
        role="slider"
        tabIndex={0}
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={Math.round(duration)}
        aria-valuenow={Math.round(now)}
        aria-valuetext={`${formatTime(now)} of ${formatTime(duration)}`}
        data-testid="waveform"
        onPointerDown={(e) => seekAt(e.clientX)}
        onKeyDown={(e) => {
          if (!onSeek) return;
          if (e.key === 'ArrowRight') onSeek(Math.min(duration, position() + 5));
          else if (e.key === 'ArrowLeft') onSeek(Math.max(0, position() - 5));
          else if (e.key === 'Home') onSeek(0);
          else return;
          e.preventDefault();
        }}
      />
      <p class="time" data-testid="time">
        <span data-testid="time-now">{formatTime(now)}</span> / {formatTime(duration)}
      </p>
    </div>
  );
}

function stemLabel(name: string) {
  return name.replace(/^stems\//, '').replace(/\.flac$/, '').replace(/_/g, ' ');
}

/** Decodes and plays a job's stems (×gain), or its mix when it has none. */
export function StemPlayer({
  artifacts,
  overlay,
  below,
}: {
  artifacts: Artifact[];
  overlay?: Overlay;
  below?: (duration: number) => preact.ComponentChildren;
}) {
  const [player, setPlayer] = useState<MultiPlayer | null>(null);
  const [peaks, setPeaks] = useState<Float32Array>(new Float32Array(0));
  const [status, setStatus] = useState('Loading audio…');
  const [error, setError] = useState<string | null>(null);
  const [, setTick] = useState(0);
  const keys = artifacts.map((a) => a.key).join(',');

  useEffect(() => {
    let cancelled = false;
    let made: MultiPlayer | null = null;
    (async () => {
      const stems = artifacts.filter((a) => a.name.startsWith('stems/') && a.name.endsWith('.flac'));
      const chosen = stems.length ? stems : artifacts.filter((a) => a.name === 'track.flac');
      if (!chosen.length) {
        setStatus('');
        setError('This job has no audio.');
        return;
      }
      const ctx = audioContext();
      let done = 0;
      setStatus(`Loading audio 0/${chosen.length}…`);
      const decoded = await Promise.all(
        chosen.map(async (a) => {
          const bytes = await artifactBytes(a.key);
          const buffer = await ctx.decodeAudioData(bytes);
          done += 1;
          if (!cancelled) setStatus(`Loading audio ${done}/${chosen.length}…`);
          return { name: stems.length ? stemLabel(a.name) : 'mix', buffer, gain: a.gain ?? 1 };
        }),
      );
      if (cancelled) return;
      const p = mixPeaks(
        decoded.map((d) => ({
          channels: Array.from({ length: d.buffer.numberOfChannels }, (_, c) => d.buffer.getChannelData(c)),
          gain: d.gain,
        })),
        1200,
      );
      made = new MultiPlayer(ctx, decoded);
      made.onEnd = () => setTick((n) => n + 1);
      setPeaks(normalise(p));
      setPlayer(made);
      setStatus('');
    })().catch((e) => {
      if (!cancelled) {
        setStatus('');
        setError(errorText(e));
      }
    });
    return () => {
      cancelled = true;
      made?.dispose();
    };
  }, [keys]);

  useEffect(() => {
    if (!player) return;
    hooks.player = () => {
      const eff = player.effective();
      return {
        playing: player.playing,
        position: player.position(),
        duration: player.duration,
        stems: player.strips.map((s, i) => ({ ...s, effective: eff[i] })),
      };
    };
    return () => {
      hooks.player = () => null;
    };
  }, [player]);

  if (error)
    return (
      <p class="error" role="alert">
        {error}
      </p>
    );
  if (!player)
    return (
      <p class="muted" aria-live="polite">
        {status}
      </p>
    );
  const update = (i: number, what: 'mute' | 'solo') => {
    player.setStrips(toggle(player.strips, i, what));
    setTick((n) => n + 1);
  };
  return (
    <section class="player" aria-label="Player">
      <div class="transport">
        <button
          type="button"
          class="play"
          data-testid="play"
          aria-label={player.playing ? 'Pause' : 'Play'}
          onClick={async () => {
            if (player.playing) player.pause();
            else await player.play();
            setTick((n) => n + 1);
          }}
        >
          {player.playing ? '❚❚ Pause' : '▶ Play'}
        </button>
      </div>
      <Waveform
        peaks={peaks}
        duration={player.duration}
        position={() => player.position()}
        onSeek={(t) => {
          player.seek(t);
          setTick((n) => n + 1);
        }}
        overlay={overlay}
      />
      {below?.(player.duration)}
      {player.strips.length > 1 && (
        <ul class="stems" aria-label="Stems">
          {player.strips.map((s, i) => (
            <li key={s.name} class="stem" data-stem={s.name}>
              <span class="stem-name">{s.name}</span>
              <button type="button" class="toggle" aria-pressed={s.mute} aria-label={`Mute ${s.name}`} onClick={() => update(i, 'mute')}>
                M
              </button>
              <button type="button" class="toggle solo" aria-pressed={s.solo} aria-label={`Solo ${s.name}`} onClick={() => update(i, 'solo')}>
                S
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
