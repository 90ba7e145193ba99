import { useEffect, useState } from 'preact/hooks';
import type { Job } from '../api';
import { watchJob } from '../events';
import { api, noteError } from '../state';
import { ErrorText, Progress } from './common';

const MOODS = ['dark', 'uplifting', 'soulful', 'jazzy', 'deep', 'mellow'];
const KEYS = ['C', 'Db', 'D', 'Eb', 'E', 'F', 'F#', 'G', 'Ab', 'A', 'Bb', 'B'].flatMap((k) => [`${k} minor`, `${k} major`]);

export function Generate() {
  const [prompt, setPrompt] = useState('');
  const [style, setStyle] = useState('auto');
  const [key, setKey] = useState('auto');
  const [bpm, setBpm] = useState('');
  const [length, setLength] = useState('32');
  const [minutes, setMinutes] = useState('3');
  const [moods, setMoods] = useState<string[]>([]);
  const [seed, setSeed] = useState('');
  const [job, setJob] = useState<Partial<Job> & { id: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!job?.id) return;
    return watchJob(job.id, (j) => {
      setJob((old) => ({ ...(old ?? {}), ...j }));
      if (j.state === 'done') location.hash = `#/track/${j.id}`;
    });
  }, [job?.id]);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    const words = [prompt.trim(), ...moods].filter(Boolean).join(' ');
    if (!words) {
      setError(new Error('Describe the track, or pick a mood.'));
      return;
    }
    const params: Record<string, unknown> = { prompt: words };
    if (style !== 'auto') params.style = style;
    if (key !== 'auto') params.key = key;
    if (bpm) params.bpm = Number(bpm);
    if (length === 'minutes') params.minutes = Number(minutes);
    else params.bars = Number(length);
    if (seed !== '') params.seed = Math.trunc(Number(seed));
    setBusy(true);
    try {
      const r = await api.createJob('generate', params);
      setJob({ id: r.id, state: r.state, progress: 0, stage: r.cache_hit ? 'cached' : 'queued' });
    } catch (err) {
      noteError(err);
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const running = job && job.state !== 'done' && job.state !== 'failed' && job.state !== 'cancelled';
  return (
    <main class="screen">
      <h1>Generate a track</h1>
      <form class="form" onSubmit={submit}>
        <label class="field">
          <span>Describe it</span>
          <textarea
            name="prompt"
            rows={3}
            value={prompt}
            placeholder="private school amapiano with a soulful sax and a deep log drum"
            onInput={(e) => setPrompt((e.target as HTMLTextAreaElement).value)}
          />
        </label>
        <fieldset class="chips">
          <legend>Mood</legend>
          {MOODS.map((m) => (
            <button
              type="button"
              key={m}
              class="chip"
              aria-pressed={moods.includes(m)}
              onClick={() => setMoods((ms) => (ms.includes(m) ? ms.filter((x) => x !== m) : [...ms, m]))}
            >
              {m}
            </button>
          ))}
        </fieldset>
        <div class="grid">
          <label class="field">
            <span>Style</span>
            <select name="style" value={style} onChange={(e) => setStyle((e.target as HTMLSelectElement).value)}>
              <option value="auto">Auto</option>
              <option value="amapiano">Amapiano</option>
              <option value="private_school">Private school</option>
              <option value="sgija">Sgija</option>
            </select>
          </label>
          <label class="field">
            <span>Key</span>
            <select name="key" value={key} onChange={(e) => setKey((e.target as HTMLSelectElement).value)}>
              <option value="auto">Auto</option>
              {KEYS.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
          </label>
          <label class="field">
            <span>BPM</span>
            <input name="bpm" type="number" inputMode="decimal" min={60} max={200} step="0.1" placeholder="auto" value={bpm} onInput={(e) => setBpm((e.target as HTMLInputElement).value)} />
          </label>
          <label class="field">
            <span>Length</span>
            <select name="length" value={length} onChange={(e) => setLength((e.target as HTMLSelectElement).value)}>
              <option value="16">16 bars</option>
              <option value="32">32 bars</option>
              <option value="64">64 bars</option>
              <option value="128">128 bars</option>
              <option value="minutes">Minutes…</option>
            </select>
          </label>
          {length === 'minutes' && (
            <label class="field">
              <span>Minutes</span>
              <input name="minutes" type="number" inputMode="decimal" min={0.25} max={15} step="0.25" value={minutes} onInput={(e) => setMinutes((e.target as HTMLInputElement).value)} />
            </label>
          )}
          <label class="field">
            <span>Seed</span>
            <input name="seed" type="number" inputMode="numeric" min={0} step={1} placeholder="random" value={seed} onInput={(e) => setSeed((e.target as HTMLInputElement).value)} />
          </label>
        </div>
        <button type="submit" class="primary" disabled={busy || !!running}>
          {running ? 'Generating…' : 'Generate'}
        </button>
      </form>
      <ErrorText error={error} />
      {job && (
        <section aria-label="Generation progress">
          <Progress label="Generation progress" progress={job.progress ?? 0} stage={job.stage} state={job.state} />
          {job.state === 'failed' && <p class="error" role="alert">{job.error ?? 'The job failed.'}</p>}
          {job.state === 'done' && <a href={`#/track/${job.id}`}>Open the track</a>}
        </section>
      )}
    </main>
  );
}
