// Live job progress: one WebSocket (/v1/events, token in the subprotocol list) for all of the
// user's jobs; while it is not open, a watched job is polled every second.
import { ended, type Job, type JobState } from './api';
import { api, getToken, noteError } from './state';

export interface JobEvent {
  id: string;
  kind?: string;
  state: JobState;
  progress: number;
  stage: string;
  error: string | null;
}

type Listener = (e: JobEvent | { lagged: number }) => void;

class EventHub {
  private ws: WebSocket | null = null;
  open = false;
  private listeners = new Set<Listener>();
  private retry = 1000;
  private timer: ReturnType<typeof setTimeout> | null = null;

  on(l: Listener) {
    this.listeners.add(l);
    this.connect();
    return () => this.listeners.delete(l);
  }

  connect() {
    const token = getToken();
    if (this.ws || !token || typeof WebSocket === 'undefined' || this.timer) return;
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    let ws: WebSocket;
    try {
      ws = new WebSocket(`${scheme}://${location.host}/v1/events`, ['yano.bearer', token]);
    } catch {
      this.later();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      this.open = true;
      this.retry = 1000;
    };
    ws.onmessage = (m) => {
      try {
        const data = JSON.parse(String(m.data));
        for (const l of this.listeners) l(data);
      } catch {
        /* not JSON */
      }
    };
    ws.onclose = () => {
      this.open = false;
      this.ws = null;
      this.later();
    };
  }

  private later() {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.listeners.size) this.connect();
    }, this.retry);
    this.retry = Math.min(this.retry * 2, 30000);
  }

  close() {
    this.ws?.close();
  }
}

export const hub = new EventHub();

/** Follows a job until it ends: `onJob` gets every change (the full job once it ended). */
export function watchJob(id: string, onJob: (job: Partial<Job> & { id: string }) => void): () => void {
  let stopped = false;
  let busy = false;
  const refresh = async () => {
    if (stopped || busy) return;
    busy = true;
    try {
      const job = await api.job(id);
      if (stopped) return;
      onJob(job);
      if (ended(job.state)) stop();
    } catch (e) {
      noteError(e);
    } finally {
      busy = false;
    }
  };
  const off = hub.on((e) => {
    if ('lagged' in e) refresh();
    else if (e.id === id) {
      if (ended(e.state)) refresh();
      else onJob({ id, state: e.state, progress: e.progress, stage: e.stage, error: e.error });
    }
  });
  const poll = setInterval(() => {
    if (!hub.open) refresh();
  }, 1000);
  const stop = () => {
    stopped = true;
    clearInterval(poll);
    off();
  };
  refresh();
  return stop;
}
