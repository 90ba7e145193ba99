import { useEffect, useState } from 'preact/hooks';
import { ended, jobTitle, type Artifact, type Feedback, type Job } from '../api';
import { watchJob } from '../events';
import { artifactJson, forget, isKept, keepOffline, offlineJobs, updateKeptJob } from '../offline';
import { api, errorText, flushOutbox, hooks, noteError, online, outbox } from '../state';
import { chordBlocks, sectionBlocks, type TrackDescription } from '../timeline';
import { Confirm, ErrorText, Progress, RenameForm, Timeline, download, useStore } from './common';
import { StemPlayer } from './player';
import { AnalysisView, type Analysis } from './analysis';

function fmt(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(2);
  if (typeof v === 'string') return v.replace(/_/g, ' ');
  return JSON.stringify(v);
}

const SUMMARY: [string, string, string?][] = [
  ['style', 'Style'],
  ['key', 'Key'],
  ['bpm', 'BPM'],
  ['bars', 'Bars'],
  ['seconds', 'Seconds'],
  ['lufs', 'Loudness', 'LUFS'],
  ['true_peak_db', 'True peak', 'dBTP'],
  ['markers', 'Markers'],
  ['seed', 'Seed'],
];

export function Summary({ summary }: { summary: Record<string, unknown> }) {
  const known = SUMMARY.filter(([k]) => summary[k] !== undefined && summary[k] !== null);
  if (!known.length) return null;
  return (
    <dl class="summary" aria-label="Summary">
      {known.map(([k, label, unit]) => (
        <div key={k}>
          <dt>{label}</dt>
          <dd data-summary={k}>
            {fmt(summary[k])}
            {unit ? ` ${unit}` : ''}
          </dd>
        </div>
      ))}
    </dl>
  );
}

function fileName(a: Artifact, ext?: string) {
  const base = a.name.replace(/^.*\//, '');
  return ext ? base.replace(/\.[^.]+$/, '') + '.' + ext : base;
}

export function Downloads({ job }: { job: Job }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const run = async (key: string, name: string, format?: 'wav') => {
    setBusy(name);
    setError(null);
    try {
      await download(key, name, format);
    } catch (e) {
      noteError(e);
      setError(e);
    } finally {
      setBusy(null);
    }
  };
  const prefix = (job.name || job.kind).replace(/[^\w.-]+/g, '_');
  const rows = job.artifacts.filter((a) => !a.name.startsWith('sources/'));
  return (
    <section aria-label="Downloads" class="downloads">
      <h2>Downloads</h2>
      <ul>
        {rows.map((a) => {
          const audio = a.content_type.startsWith('audio/flac') || a.name.endsWith('.flac');
          const label = a.name.replace(/^stems\//, 'stem ');
          return (
            <li key={a.key} data-artifact={a.name}>
              <span class="dl-name">{label}</span>
              {audio && (
                <button
                  type="button"
                  disabled={!!busy}
                  aria-label={`Download ${label} as WAV`}
                  data-download={`${a.name}:wav`}
                  onClick={() => run(a.key, `${prefix}-${fileName(a, 'wav')}`, 'wav')}
                >
                  WAV
                </button>
              )}
              <button
                type="button"
                disabled={!!busy}
                aria-label={`Download ${label}${audio ? ' as FLAC' : ''}`}
                data-download={`${a.name}:raw`}
                onClick={() => run(a.key, `${prefix}-${fileName(a)}`)}
              >
                {audio ? 'FLAC' : fileName(a).split('.').pop()?.toUpperCase() || 'File'}
              </button>
            </li>
          );
        })}
      </ul>
      <ErrorText error={error} />
    </section>
  );
}

const EMPTY: Feedback = { rating: 0, cultural_accuracy: 0, musical_quality: 0, suggestions: '' };

function Stars({ name, label, value, onChange }: { name: string; label: string; value: number; onChange: (v: number) => void }) {
  return (
    <fieldset class="stars">
      <legend>{label}</legend>
      {[1, 2, 3, 4, 5].map((n) => (
        <label key={n} class={n <= value ? 'star on' : 'star'}>
          <input type="radio" name={name} value={n} checked={value === n} onChange={() => onChange(n)} />
          <span aria-hidden="true">★</span>
          <span class="sr-only">
            {n} of 5
          </span>
        </label>
      ))}
    </fieldset>
  );
}

export function FeedbackForm({ jobId }: { jobId: string }) {
  const [fb, setFb] = useState<Feedback>(EMPTY);
  const [status, setStatus] = useState('');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const pending = outbox.pending.find((i) => i.type === 'feedback' && i.jobId === jobId);
    if (pending && pending.type === 'feedback') {
      setFb({ ...EMPTY, ...(pending.body as Partial<Feedback>) });
      return;
    }
    api
      .getFeedback(jobId)
      .then((f) => f && setFb({ rating: f.rating, cultural_accuracy: f.cultural_accuracy, musical_quality: f.musical_quality, suggestions: f.suggestions ?? '' }))
      .catch(noteError);
  }, [jobId]);
  return (
    <form
      class="form feedback"
      aria-label="Feedback"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        if (!fb.rating || !fb.cultural_accuracy || !fb.musical_quality) {
          setError('Give all three ratings (1 to 5).');
          return;
        }
        const key = outbox.add({ type: 'feedback', jobId, body: { ...fb, suggestions: fb.suggestions.slice(0, 2000) } });
        setStatus('Saving…');
        await flushOutbox();
        const failed = outbox.failed.find((f) => f.item.key === key);
        if (outbox.has(key)) setStatus('Saved offline, will sync');
        else if (failed) {
          setStatus('');
          setError(failed.message);
        } else setStatus('Saved');
      }}
    >
      <h2>Feedback</h2>
      <Stars name="rating" label="Rating" value={fb.rating} onChange={(v) => setFb({ ...fb, rating: v })} />
      <Stars name="cultural_accuracy" label="Cultural accuracy" value={fb.cultural_accuracy} onChange={(v) => setFb({ ...fb, cultural_accuracy: v })} />
      <Stars name="musical_quality" label="Musical quality" value={fb.musical_quality} onChange={(v) => setFb({ ...fb, musical_quality: v })} />
      <label class="field">
        <span>Suggestions</span>
        <textarea name="suggestions" rows={3} maxLength={2000} value={fb.suggestions} onInput={(e) => setFb({ ...fb, suggestions: (e.target as HTMLTextAreaElement).value })} />
      </label>
      <button type="submit" class="primary">
        Submit feedback
      </button>
      <p class="status" aria-live="polite" data-testid="feedback-status">
        {status}
      </p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

function KeepOffline({ job }: { job: Job }) {
  const [kept, setKept] = useState(isKept(job.id));
  const [busy, setBusy] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <div class="keep">
      <label class="switch">
        <input
          type="checkbox"
          name="keep-offline"
          checked={kept}
          disabled={!!busy}
          onChange={async (e) => {
            const want = (e.target as HTMLInputElement).checked;
            setError(null);
            setKept(want);
            try {
              if (want) {
                setBusy('Saving for offline…');
                await keepOffline(job, (d, t) => setBusy(`Saving for offline ${d}/${t}…`));
              } else await forget(job);
              setKept(want);
            } catch (err) {
              noteError(err);
              setError(errorText(err));
              setKept(isKept(job.id));
            } finally {
              setBusy('');
            }
          }}
        />
        <span>Keep offline</span>
      </label>
      <span class="muted" aria-live="polite" data-testid="keep-status">
        {busy || (kept && isKept(job.id) ? 'Available offline' : '')}
      </span>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

export function TrackView({ id }: { id: string }) {
  useStore();
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [desc, setDesc] = useState<TrackDescription | null>(null);
  const [analysis, setAnalysis] = useState<Analysis | null>(null);
  const [fromCache, setFromCache] = useState(false);

  useEffect(() => {
    setJob(null);
    setDesc(null);
    setAnalysis(null);
    let stop: (() => void) | null = null;
    api
      .job(id)
      .then((j) => {
        setJob(j);
        hooks.lastJob = j;
        updateKeptJob(j);
        if (!ended(j.state)) stop = watchJob(id, (p) => setJob((old) => (old ? ({ ...old, ...p } as Job) : (p as Job))));
      })
      .catch((e) => {
        noteError(e);
        const kept = offlineJobs()[id];
        if (kept) {
          setJob(kept);
          hooks.lastJob = kept;
          setFromCache(true);
        } else setError(e);
      });
    return () => stop?.();
  }, [id]);

  useEffect(() => {
    if (!job || job.state !== 'done') return;
    const tj = job.artifacts.find((a) => a.name === 'track.json');
    if (tj) artifactJson<TrackDescription>(tj.key).then(setDesc).catch(noteError);
    const an = job.artifacts.find((a) => a.name === 'analysis.json');
    if (an) artifactJson<Analysis>(an.key).then(setAnalysis).catch(noteError);
  }, [job?.id, job?.state]);

  if (error)
    return (
      <main class="screen">
        <ErrorText error={error} />
      </main>
    );
  if (!job)
    return (
      <main class="screen">
        <p aria-live="polite">Loading…</p>
      </main>
    );
  const title = jobTitle(job);
  const hasAudio = job.artifacts.some((a) => a.name === 'track.flac' || (a.name.startsWith('stems/') && a.name.endsWith('.flac')));
  return (
    <main class="screen track">
      <h1 data-testid="track-title">{title}</h1>
      <p class="muted">
        {job.kind} · {job.state}
        {job.cache_hit ? ' · from the cache' : ''}
        {fromCache ? ' · offline copy' : ''}
      </p>
      {!ended(job.state) && <Progress label="Job progress" progress={job.progress} stage={job.stage} state={job.state} />}
      {job.state === 'failed' && (
        <p class="error" role="alert">
          {job.error ?? 'The job failed.'}
        </p>
      )}
      {job.state === 'done' && hasAudio && (
        <StemPlayer
          artifacts={job.artifacts}
          below={(duration) =>
            desc && (
              <Timeline
                duration={duration}
                rows={[
                  { label: 'Sections', blocks: sectionBlocks(desc) },
                  { label: 'Chords', blocks: chordBlocks(desc) },
                ]}
              />
            )
          }
        />
      )}
      {analysis && job.input && <AnalysisView analysis={analysis} audioKey={job.input} />}
      {job.summary && <Summary summary={job.summary} />}
      {job.state === 'done' && <KeepOffline job={job} />}
      <div class="actions">
        <RenameForm
          current={title}
          label="Rename this track"
          onRename={async (name) => {
            setJob({ ...job, name });
            outbox.add({ type: 'rename-job', jobId: job.id, name });
            await flushOutbox();
          }}
        />
        <Confirm
          label={ended(job.state) ? 'Delete this track' : 'Cancel this job'}
          question={ended(job.state) ? 'Delete it from the library?' : 'Cancel the job?'}
          onConfirm={async () => {
            try {
              await api.deleteJob(job.id);
              location.hash = '#/library';
            } catch (e) {
              noteError(e);
              setError(e);
            }
          }}
        >
          {ended(job.state) ? 'Delete' : 'Cancel job'}
        </Confirm>
      </div>
      {job.state === 'done' && online && <Downloads job={job} />}
      {job.state === 'done' && (job.kind === 'generate' || job.kind === 'amapianorize') && <FeedbackForm jobId={job.id} />}
    </main>
  );
}
