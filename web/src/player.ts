// The multi-stem player: every stem is an AudioBufferSourceNode through its own GainNode
// (stored gain × mute/solo), all started at the same AudioContext time so they stay in sync.
import { effectiveGains, type Strip } from './mixer';
import { hooks } from './state';

let shared: AudioContext | null = null;
export function audioContext(): AudioContext {
  if (!shared) {
    shared = new AudioContext();
    hooks.audioTime = () => shared!.currentTime;
  }
  return shared;
}

export interface StemAudio {
  name: string;
  buffer: AudioBuffer;
  gain: number;
}

export class MultiPlayer {
  strips: Strip[];
  private gains: GainNode[];
  private sources: AudioBufferSourceNode[] = [];
  private offset = 0;
  private startedAt = 0;
  playing = false;
  readonly duration: number;
  onEnd: (() => void) | null = null;

  constructor(
    private ctx: AudioContext,
    private stems: StemAudio[],
  ) {
    this.strips = stems.map((s) => ({ name: s.name, gain: s.gain, mute: false, solo: false }));
    this.gains = stems.map(() => {
      const g = ctx.createGain();
      g.connect(ctx.destination);
      return g;
    });
    this.duration = Math.max(0, ...stems.map((s) => s.buffer.duration));
    this.apply();
  }

  position(): number {
    if (!this.playing) return this.offset;
    const t = this.offset + Math.max(0, this.ctx.currentTime - this.startedAt);
    return Math.min(t, this.duration);
  }

  async play() {
    if (this.playing) return;
    if (this.ctx.state === 'suspended') await this.ctx.resume();
    if (this.offset >= this.duration - 0.01) this.offset = 0;
    const at = this.ctx.currentTime + 0.05;
    this.sources = this.stems.map((s, i) => {
      const src = this.ctx.createBufferSource();
      src.buffer = s.buffer;
      src.connect(this.gains[i]);
      src.start(at, this.offset);
      return src;
    });
    const first = this.sources[0];
    if (first)
      first.onended = () => {
        if (this.playing && this.sources[0] === first && this.position() >= this.duration - 0.05) {
          this.stopSources();
          this.playing = false;
          this.offset = 0;
          this.onEnd?.();
        }
      };
    this.startedAt = at;
    this.playing = true;
  }

  private stopSources() {
    for (const s of this.sources) {
      s.onended = null;
      try {
        s.stop();
      } catch {
        /* not started */
      }
      s.disconnect();
    }
    this.sources = [];
  }

  pause() {
    if (!this.playing) return;
    this.offset = this.position();
    this.stopSources();
    this.playing = false;
  }

  seek(t: number) {
    const was = this.playing;
    if (was) this.pause();
    this.offset = Math.max(0, Math.min(t, this.duration));
    if (was) void this.play();
  }

  setStrips(strips: Strip[]) {
    this.strips = strips;
    this.apply();
  }

  effective(): number[] {
    return effectiveGains(this.strips);
  }

  private apply() {
    const g = this.effective();
    this.gains.forEach((node, i) => node.gain.setValueAtTime(g[i], this.ctx.currentTime));
  }

  dispose() {
    this.pause();
    for (const g of this.gains) g.disconnect();
  }
}
