// "Keep offline": a track's job JSON (localStorage), its description and the audio it plays
// (Cache Storage, keyed by the artifact URL, fetched with the token).
import type { Artifact, Job } from './api';
import { api, kv } from './state';

export const OFFLINE_CACHE = 'yano-offline-v1';
const JOBS = 'yano.offline.jobs.v1';

export function offlineJobs(): Record<string, Job> {
  try {
    return JSON.parse(kv.getItem(JOBS) ?? '{}');
  } catch {
    return {};
  }
}
function saveJobs(jobs: Record<string, Job>) {
  kv.setItem(JOBS, JSON.stringify(jobs));
}
export function isKept(id: string): boolean {
  return id in offlineJobs();
}
export function updateKeptJob(job: Job) {
  const jobs = offlineJobs();
  if (job.id in jobs) {
    jobs[job.id] = job;
    saveJobs(jobs);
  }
}

/** The artifacts a track view needs: its description and the audio it plays. */
export function playedArtifacts(job: Job): Artifact[] {
  const stems = job.artifacts.filter((a) => a.name.startsWith('stems/') && a.name.endsWith('.flac'));
  const mix = job.artifacts.filter((a) => a.name === 'track.flac');
  const docs = job.artifacts.filter((a) => a.name === 'track.json' || a.name === 'analysis.json');
  return [...docs, ...(stems.length ? stems : mix)];
}

async function cache(): Promise<Cache | null> {
  return typeof caches === 'undefined' ? null : caches.open(OFFLINE_CACHE);
}

export async function keepOffline(job: Job, onProgress?: (done: number, total: number) => void) {
  const c = await cache();
  if (!c) throw new Error('this browser has no Cache Storage');
  const wanted = playedArtifacts(job);
  let done = 0;
  for (const a of wanted) {
    const path = api.artifactPath(a.key);
    if (!(await c.match(path))) {
      const r = await api.artifact(a.key);
      const body = await r.arrayBuffer();
      await c.put(path, new Response(body, { headers: { 'Content-Type': a.content_type } }));
    }
    onProgress?.(++done, wanted.length);
  }
  const jobs = offlineJobs();
  jobs[job.id] = job;
  saveJobs(jobs);
}

export async function forget(job: Job) {
  const jobs = offlineJobs();
  delete jobs[job.id];
  saveJobs(jobs);
  const c = await cache();
  if (!c) return;
  // keep artifacts another kept job still uses (keys are content hashes)
  const still = new Set(Object.values(jobs).flatMap((j) => j.artifacts.map((a) => a.key)));
  for (const a of playedArtifacts(job)) if (!still.has(a.key)) await c.delete(api.artifactPath(a.key));
}

/** An artifact's bytes: from the offline cache when kept, else from the server. */
export async function artifactBytes(key: string): Promise<ArrayBuffer> {
  const c = await cache();
  const hit = c ? await c.match(api.artifactPath(key)) : undefined;
  if (hit) return hit.arrayBuffer();
  return (await api.artifact(key)).arrayBuffer();
}

export async function artifactJson<T>(key: string): Promise<T> {
  return JSON.parse(new TextDecoder().decode(await artifactBytes(key))) as T;
}
