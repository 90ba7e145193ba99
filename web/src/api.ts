// The yano HTTP API client: bearer token on every /v1 request, errors as ApiError carrying the
// server's message ({"error": {"code", "message"}}).

export interface Artifact {
  name: string;
  key: string;
  size: number;
  content_type: string;
  gain?: number;
}

export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface Job {
  id: string;
  kind: string;
  state: JobState;
  priority?: string;
  progress: number;
  stage: string;
  params: Record<string, unknown>;
  input: string | null;
  name?: string | null;
  artifacts: Artifact[];
  summary: Record<string, unknown> | null;
  error: string | null;
  cache_hit: boolean;
  created: number;
  started: number | null;
  finished: number | null;
}

export interface Feedback {
  rating: number;
  cultural_accuracy: number;
  musical_quality: number;
  suggestions: string;
}

export interface Upload {
  key: string;
  name: string;
  size: number;
  content_type?: string;
  created?: number;
  format?: string;
  seconds?: number;
}

export interface ProjectInfo {
  id: string;
  name: string;
  revision: number;
  created?: number;
  updated?: number;
  graph?: string;
}

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** A request that never reached the server (offline, refused, DNS). */
export class NetworkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NetworkError';
  }
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** The message of an error response: the body's error.message, else the status text. */
export async function errorFrom(response: Response): Promise<ApiError> {
  let code = 'http_' + response.status;
  let message = response.statusText || `HTTP ${response.status}`;
  try {
    const text = await response.text();
    try {
      const body = JSON.parse(text);
      if (body && typeof body === 'object' && body.error) {
        if (typeof body.error === 'string') message = body.error;
        else {
          if (typeof body.error.message === 'string') message = body.error.message;
          if (typeof body.error.code === 'string') code = body.error.code;
        }
      }
    } catch {
      if (text.trim()) message = text.trim().slice(0, 300);
    }
  } catch {
    /* no body */
  }
  return new ApiError(response.status, code, message);
}

export class Api {
  constructor(
    private getToken: () => string | null,
    private fetcher: FetchLike = (i, init) => fetch(i, init),
    public base = '',
  ) {}

  url(path: string): string {
    return this.base + path;
  }

  /** A raw authorised request; throws ApiError on 4xx/5xx and NetworkError when unreachable. */
  async raw(method: string, path: string, body?: BodyInit | null, headers: Record<string, string> = {}): Promise<Response> {
    const token = this.getToken();
    const h: Record<string, string> = { ...headers };
    if (token) h['Authorization'] = `Bearer ${token}`;
    let response: Response;
    try {
      response = await this.fetcher(this.url(path), { method, headers: h, body: body ?? undefined });
    } catch (e) {
      throw new NetworkError(e instanceof Error ? e.message : String(e));
    }
    if (!response.ok) throw await errorFrom(response);
    return response;
  }

  async json<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const h = { ...headers };
    let payload: string | undefined;
    if (body !== undefined) {
      h['Content-Type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const response = await this.raw(method, path, payload, h);
    const text = await response.text();
    return (text ? JSON.parse(text) : null) as T;
  }

  me() {
    return this.json<{ id: string; name: string }>('GET', '/v1/me');
  }
  createJob(kind: string, params: Record<string, unknown>, input?: string, priority?: string) {
    const body: Record<string, unknown> = { kind, params };
    if (input) body.input = input;
    if (priority) body.priority = priority;
    return this.json<{ id: string; state: JobState; cache_hit: boolean }>('POST', '/v1/jobs', body);
  }
  jobs() {
    return this.json<{ jobs: Job[] }>('GET', '/v1/jobs').then((r) => r.jobs);
  }
  job(id: string) {
    return this.json<Job>('GET', `/v1/jobs/${encodeURIComponent(id)}`);
  }
  deleteJob(id: string) {
    return this.json<unknown>('DELETE', `/v1/jobs/${encodeURIComponent(id)}`);
  }
  renameJob(id: string, name: string) {
    return this.json<Job>('PATCH', `/v1/jobs/${encodeURIComponent(id)}`, { name });
  }
  putFeedback(id: string, feedback: Feedback) {
    return this.json<Feedback & { job_id: string }>('PUT', `/v1/jobs/${encodeURIComponent(id)}/feedback`, feedback);
  }
  async getFeedback(id: string): Promise<Feedback | null> {
    try {
      return await this.json<Feedback>('GET', `/v1/jobs/${encodeURIComponent(id)}/feedback`);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return null;
      throw e;
    }
  }
  upload(data: Blob | ArrayBuffer, contentType = 'application/octet-stream') {
    return this.raw('POST', '/v1/uploads', data as BodyInit, { 'Content-Type': contentType }).then(
      (r) => r.json() as Promise<Upload>,
    );
  }
  uploads() {
    return this.json<{ uploads: Upload[] }>('GET', '/v1/uploads').then((r) => r.uploads);
  }
  renameUpload(key: string, name: string) {
    return this.json<unknown>('PATCH', `/v1/uploads/${encodeURIComponent(key)}`, { name });
  }
  deleteUpload(key: string) {
    return this.json<unknown>('DELETE', `/v1/uploads/${encodeURIComponent(key)}`);
  }
  projects() {
    return this.json<{ projects: ProjectInfo[] }>('GET', '/v1/projects').then((r) => r.projects);
  }
  project(id: string) {
    return this.json<ProjectInfo>('GET', `/v1/projects/${encodeURIComponent(id)}`);
  }
  updateProject(id: string, revision: number, change: { name?: string; graph?: string }) {
    return this.json<ProjectInfo>('PUT', `/v1/projects/${encodeURIComponent(id)}`, change, { 'If-Match': `"${revision}"` });
  }
  deleteProject(id: string) {
    return this.json<unknown>('DELETE', `/v1/projects/${encodeURIComponent(id)}`);
  }
  artifactPath(key: string, format?: 'wav' | 'flac') {
    return `/v1/artifacts/${encodeURIComponent(key)}` + (format ? `?format=${format}` : '');
  }
  artifact(key: string, format?: 'wav' | 'flac') {
    return this.raw('GET', this.artifactPath(key, format));
  }
}

/** A job's display name: its name, else its kind and prompt. */
export function jobTitle(job: Job): string {
  if (job.name) return job.name;
  const prompt = typeof job.params?.prompt === 'string' ? job.params.prompt : '';
  return prompt ? `${job.kind}: ${prompt}` : `${job.kind} ${job.id.slice(0, 8)}`;
}

export function ended(state: JobState): boolean {
  return state === 'done' || state === 'failed' || state === 'cancelled';
}
