import { describe, expect, it, vi } from 'vitest';
import { Api, ApiError, NetworkError, jobTitle, type Job } from './api';

function mockFetch(status: number, body: unknown, headers: Record<string, string> = {}) {
  return vi.fn(async (_url: string, _init?: RequestInit) =>
    new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers }),
  );
}

describe('Api', () => {
  it('sends the bearer token and JSON body', async () => {
    const f = mockFetch(202, { id: 'j1', state: 'queued', cache_hit: false });
    const api = new Api(() => 'yano_abc', f);
    const r = await api.createJob('generate', { prompt: 'dark', bars: 16 });
    expect(r.id).toBe('j1');
    const [url, init] = f.mock.calls[0];
    expect(url).toBe('/v1/jobs');
    expect(init!.method).toBe('POST');
    const h = init!.headers as Record<string, string>;
    expect(h['Authorization']).toBe('Bearer yano_abc');
    expect(h['Content-Type']).toBe('application/json');
    expect(JSON.parse(init!.body as string)).toEqual({ kind: 'generate', params: { prompt: 'dark', bars: 16 } });
  });

  it('throws the error body message', async () => {
    const f = mockFetch(400, { error: { code: 'bad_params', message: 'bars: at least 1' } });
    const api = new Api(() => 't', f);
    const e = await api.createJob('generate', {}).catch((x) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect(e.status).toBe(400);
    expect(e.code).toBe('bad_params');
    expect(e.message).toBe('bars: at least 1');
  });

  it('falls back to the status text when the body is not JSON', async () => {
    const f = vi.fn(async () => new Response('', { status: 502, statusText: 'Bad Gateway' }));
    const e = await new Api(() => 't', f).jobs().catch((x) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect(e.message).toBe('Bad Gateway');
  });

  it('reports unreachable servers as NetworkError', async () => {
    const f = vi.fn(async () => {
      throw new TypeError('Failed to fetch');
    });
    const e = await new Api(() => 't', f).me().catch((x) => x);
    expect(e).toBeInstanceOf(NetworkError);
  });

  it('sends If-Match for project updates and omits the token when signed out', async () => {
    const f = mockFetch(200, { id: 'p', name: 'n', revision: 4 });
    await new Api(() => 't', f).updateProject('p', 3, { name: 'n' });
    expect((f.mock.calls[0][1]!.headers as Record<string, string>)['If-Match']).toBe('"3"');
    const g = mockFetch(200, { id: 'u', name: 'x' });
    await new Api(() => null, g).me();
    expect((g.mock.calls[0][1]!.headers as Record<string, string>)['Authorization']).toBeUndefined();
  });

  it('maps a missing feedback to null', async () => {
    const f = mockFetch(404, { error: { code: 'not_found', message: 'no feedback' } });
    expect(await new Api(() => 't', f).getFeedback('j')).toBeNull();
  });

  it('builds artifact paths with the format', () => {
    const api = new Api(() => 't');
    expect(api.artifactPath('abc', 'wav')).toBe('/v1/artifacts/abc?format=wav');
    expect(api.artifactPath('abc')).toBe('/v1/artifacts/abc');
  });

  it('titles jobs by name, else by prompt', () => {
    const job = { id: 'abcdef123', kind: 'generate', params: { prompt: 'dark' }, name: null } as unknown as Job;
    expect(jobTitle(job)).toBe('generate: dark');
    expect(jobTitle({ ...job, name: 'Mine' })).toBe('Mine');
  });
});
