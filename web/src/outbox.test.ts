import { describe, expect, it } from 'vitest';
import { ApiError, NetworkError } from './api';
import { MemoryKV, Outbox, type OutboxItem } from './outbox';

const fb = (jobId: string, rating: number) => ({ type: 'feedback' as const, jobId, body: { rating } });

describe('Outbox', () => {
  it('sends in order and empties', async () => {
    const sent: string[] = [];
    const box = new Outbox(new MemoryKV(), async (i) => {
      sent.push(i.key);
    });
    box.add(fb('a', 1));
    box.add({ type: 'rename-job', jobId: 'b', name: 'B' });
    box.add(fb('c', 3));
    expect(box.size).toBe(3);
    expect(await box.flush()).toBe(3);
    expect(sent).toEqual(['feedback:a', 'rename-job:b', 'feedback:c']);
    expect(box.size).toBe(0);
  });

  it('keeps items after a network error and retries them later', async () => {
    let online = false;
    const sent: OutboxItem[] = [];
    const box = new Outbox(new MemoryKV(), async (i) => {
      if (!online) throw new NetworkError('offline');
      sent.push(i);
    });
    box.add(fb('a', 1));
    box.add(fb('b', 2));
    expect(await box.flush()).toBe(0);
    expect(box.size).toBe(2);
    expect(box.pending[0].tries).toBe(1);
    online = true;
    expect(await box.flush()).toBe(2);
    expect(sent.map((i) => i.key)).toEqual(['feedback:a', 'feedback:b']);
  });

  it('stops at a 5xx but drops a hopeless 4xx into failed', async () => {
    const box = new Outbox(new MemoryKV(), async (i) => {
      if (i.key === 'feedback:bad') throw new ApiError(400, 'bad_params', 'rating: 1 to 5');
      if (i.key === 'feedback:busy') throw new ApiError(503, 'busy', 'try later');
    });
    box.add(fb('bad', 9));
    box.add(fb('ok', 3));
    box.add(fb('busy', 3));
    box.add(fb('after', 3));
    expect(await box.flush()).toBe(1);
    expect(box.failed.map((f) => [f.item.key, f.message])).toEqual([['feedback:bad', 'rating: 1 to 5']]);
    expect(box.pending.map((i) => i.key)).toEqual(['feedback:busy', 'feedback:after']);
  });

  it('treats 429 as retryable', async () => {
    const box = new Outbox(new MemoryKV(), async () => {
      throw new ApiError(429, 'rate', 'slow down');
    });
    box.add(fb('a', 1));
    await box.flush();
    expect(box.size).toBe(1);
    expect(box.failed).toEqual([]);
  });

  it('persists across instances (a reload)', async () => {
    const kv = new MemoryKV();
    const first = new Outbox(kv, async () => {
      throw new NetworkError('offline');
    });
    first.add(fb('a', 4));
    first.add({ type: 'rename-upload', uploadKey: 'u1', name: 'take 1' });
    const sent: string[] = [];
    const second = new Outbox(kv, async (i) => {
      sent.push(i.key);
    });
    expect(second.size).toBe(2);
    await second.flush();
    expect(sent).toEqual(['feedback:a', 'rename-upload:u1']);
    expect(new Outbox(kv, async () => {}).size).toBe(0);
  });

  it('replaces a pending change of the same item with the newer one', async () => {
    const names: string[] = [];
    const box = new Outbox(new MemoryKV(), async (i) => {
      if (i.type === 'rename-job') names.push(i.name);
      if (i.type === 'feedback') names.push(String(i.body.rating));
    });
    box.add({ type: 'rename-job', jobId: 'x', name: 'one' });
    box.add(fb('x', 2));
    box.add({ type: 'rename-job', jobId: 'x', name: 'two' });
    box.add({ type: 'rename-job', jobId: 'y', name: 'other' });
    expect(box.size).toBe(3);
    await box.flush();
    expect(names).toEqual(['2', 'two', 'other']);
  });

  it('keeps a change made while an older one of the same item is in flight', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const seen: number[] = [];
    const box = new Outbox(new MemoryKV(), async (i) => {
      if (i.type === 'feedback') seen.push(Number(i.body.rating));
      if (seen.length === 1) await gate;
    });
    box.add(fb('a', 1));
    const flushing = box.flush();
    box.add(fb('a', 5));
    release();
    await flushing;
    await box.flush();
    expect(seen).toEqual([1, 5]);
    expect(box.size).toBe(0);
  });

  it('notifies subscribers', () => {
    const box = new Outbox(new MemoryKV(), async () => {});
    let calls = 0;
    box.subscribe(() => calls++);
    box.add(fb('a', 1));
    expect(calls).toBe(1);
  });
});
