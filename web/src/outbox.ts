// The outbox: changes made while offline (ratings, renames) kept in order in persistent storage
// and sent when the network is back. An item leaves only after a 2xx, or after a 4xx saying it
// can never succeed (then it is kept in `failed` to be shown). Network errors and 5xx stop the
// flush; the item is tried again on the next one. A newer change with the same key (the same
// job's rating, the same item's name) replaces a pending older one.

import { ApiError } from './api';

export interface KV {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export type OutboxItem =
  | { seq: number; key: string; type: 'feedback'; jobId: string; body: Record<string, unknown>; tries: number }
  | { seq: number; key: string; type: 'rename-job'; jobId: string; name: string; tries: number }
  | { seq: number; key: string; type: 'rename-upload'; uploadKey: string; name: string; tries: number }
  | { seq: number; key: string; type: 'rename-project'; projectId: string; name: string; tries: number };

type DistributiveOmit<T, K extends keyof any> = T extends unknown ? Omit<T, K> : never;
export type NewItem = DistributiveOmit<OutboxItem, 'seq' | 'key' | 'tries'>;

export interface Failed {
  item: OutboxItem;
  message: string;
}

export type Sender = (item: OutboxItem) => Promise<unknown>;

const STORE = 'yano.outbox.v1';

export function itemKey(item: NewItem): string {
  switch (item.type) {
    case 'feedback':
      return `feedback:${item.jobId}`;
    case 'rename-job':
      return `rename-job:${item.jobId}`;
    case 'rename-upload':
      return `rename-upload:${item.uploadKey}`;
    case 'rename-project':
      return `rename-project:${item.projectId}`;
  }
}

/** Whether an error means "try again later" (offline, timeouts, rate limits, server errors). */
export function retryable(e: unknown): boolean {
  if (e instanceof ApiError) return e.status >= 500 || e.status === 408 || e.status === 429;
  return true;
}

export class Outbox {
  private items: OutboxItem[] = [];
  failed: Failed[] = [];
  private nextSeq = 1;
  private flushing: Promise<number> | null = null;
  private listeners = new Set<() => void>();

  constructor(
    private store: KV,
    private send: Sender,
  ) {
    this.load();
  }

  private load() {
    try {
      const raw = this.store.getItem(STORE);
      if (raw) {
        const data = JSON.parse(raw);
        this.items = Array.isArray(data.items) ? data.items : [];
        this.failed = Array.isArray(data.failed) ? data.failed : [];
        this.nextSeq = Math.max(1, ...this.items.map((i) => i.seq + 1), Number(data.nextSeq) || 1);
      }
    } catch {
      this.items = [];
    }
  }

  private save() {
    this.store.setItem(STORE, JSON.stringify({ items: this.items, failed: this.failed, nextSeq: this.nextSeq }));
    for (const l of this.listeners) l();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get pending(): readonly OutboxItem[] {
    return this.items;
  }

  get size(): number {
    return this.items.length;
  }

  has(key: string): boolean {
    return this.items.some((i) => i.key === key);
  }

  /** Adds a change (replacing a pending one with the same key); returns its key. */
  add(item: NewItem): string {
    const key = itemKey(item);
    this.items = this.items.filter((i) => i.key !== key);
    this.items.push({ ...item, key, seq: this.nextSeq++, tries: 0 } as OutboxItem);
    this.save();
    return key;
  }

  dismissFailed() {
    this.failed = [];
    this.save();
  }

  /** Sends the pending items in order; resolves to how many were sent. */
  flush(): Promise<number> {
    if (!this.flushing) {
      this.flushing = this.run().finally(() => {
        this.flushing = null;
      });
    }
    return this.flushing;
  }

  private async run(): Promise<number> {
    let sent = 0;
    while (this.items.length > 0) {
      const item = this.items[0];
      try {
        await this.send(item);
      } catch (e) {
        if (retryable(e)) {
          const still = this.items.find((i) => i.seq === item.seq);
          if (still) {
            still.tries += 1;
            this.save();
          }
          return sent;
        }
        this.failed.push({ item, message: e instanceof Error ? e.message : String(e) });
      }
      // it may have been replaced by a newer change while it was in flight: keep that one
      this.items = this.items.filter((i) => i.seq !== item.seq);
      if (!this.failed.some((f) => f.item.seq === item.seq)) sent += 1;
      this.save();
    }
    return sent;
  }
}

/** An in-memory KV for tests and for when localStorage is unavailable. */
export class MemoryKV implements KV {
  map = new Map<string, string>();
  getItem(key: string) {
    return this.map.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.map.set(key, value);
  }
}
