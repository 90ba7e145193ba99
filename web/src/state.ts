// App-wide state: the token, the API client, the outbox, online status and the test hooks.
import { Api, NetworkError, type Job } from './api';
import { MemoryKV, Outbox, type KV } from './outbox';

const TOKEN = 'yano.token';

function storage(): KV {
  try {
    localStorage.setItem('yano.probe', '1');
    return localStorage;
  } catch {
    return new MemoryKV();
  }
}
export const kv = storage();

let token: string | null = kv.getItem(TOKEN);
export const getToken = () => token;
export function setToken(t: string | null) {
  token = t;
  if (t) kv.setItem(TOKEN, t);
  else {
    try {
      localStorage.removeItem(TOKEN);
    } catch {
      /* memory only */
    }
  }
  emit();
}

export const api = new Api(getToken);

export const outbox = new Outbox(kv, async (item) => {
  switch (item.type) {
    case 'feedback':
      return api.putFeedback(item.jobId, item.body as never);
    case 'rename-job':
      return api.renameJob(item.jobId, item.name);
    case 'rename-upload':
      return api.renameUpload(item.uploadKey, item.name);
    case 'rename-project': {
      const p = await api.project(item.projectId);
      return api.updateProject(item.projectId, p.revision, { name: item.name });
    }
  }
});

// --- a tiny store: components re-render on `emit` --------------------------------------------
const listeners = new Set<() => void>();
export function subscribe(l: () => void) {
  listeners.add(l);
  return () => listeners.delete(l);
}
export function emit() {
  for (const l of listeners) l();
}
outbox.subscribe(emit);

export let online = typeof navigator === 'undefined' ? true : navigator.onLine;
export function setOnline(v: boolean) {
  if (online !== v) {
    online = v;
    emit();
  }
}
/** Marks the app offline when a request never reached the server. */
export function noteError(e: unknown) {
  if (e instanceof NetworkError) setOnline(false);
}

export function errorText(e: unknown): string {
  if (e instanceof NetworkError) return 'You are offline (the server cannot be reached).';
  return e instanceof Error ? e.message : String(e);
}

export function flushOutbox() {
  if (!token) return Promise.resolve(0);
  return outbox.flush().then((n) => {
    if (n > 0) setOnline(true);
    return n;
  });
}

// --- test hooks ------------------------------------------------------------------------------
export interface PlayerProbe {
  playing: boolean;
  position: number;
  duration: number;
  stems: { name: string; mute: boolean; solo: boolean; gain: number; effective: number }[];
}
export const hooks: {
  audioTime: () => number;
  player: () => PlayerProbe | null;
  outbox: () => number;
  lastJob: Job | null;
} = {
  audioTime: () => 0,
  player: () => null,
  outbox: () => outbox.size,
  lastJob: null,
};
(globalThis as unknown as { __yano: typeof hooks }).__yano = hooks;
