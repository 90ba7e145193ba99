import { useEffect, useRef, useState } from 'preact/hooks';
import type { Job, Upload } from '../api';
import { watchJob } from '../events';
import { audioContext } from '../player';
import { api, noteError } from '../state';
import { encodeWav } from '../wav';
import { ErrorText, Progress } from './common';

const KEEP = ['vocals', 'piano', 'bass', 'drums', 'percussion', 'other'];

export function Song() {
  const [upload, setUpload] = useState<Upload | null>(null);
  const [busy, setBusy] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [recording, setRecording] = useState(false);
  const recorder = useRef<MediaRecorder | null>(null);
  const [job, setJob] = useState<(Partial<Job> & { id: string }) | null>(null);
  const [style, setStyle] = useState('auto');
  const [intensity, setIntensity] = useState('0.7');
  const [keep, setKeep] = useState<string[]>(['vocals']);

  useEffect(() => {
    if (!job?.id) return;
    return watchJob(job.id, (j) => {
      setJob((old) => ({ ...(old ?? {}), ...j }));
      if (j.state === 'done') location.hash = `#/track/${j.id}`;
    });
  }, [job?.id]);

  const send = async (data: Blob | ArrayBuffer, type: string) => {
    setBusy('Uploading…');
    setError(null);
    try {
      setUpload(await api.upload(data, type));
    } catch (e) {
      noteError(e);
      setError(e);
    } finally {
      setBusy('');
    }
  };

  const record = async () => {
    setError(null);
    if (recording) {
      recorder.current?.stop();
      return;
    }
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const rec = new MediaRecorder(stream);
      const chunks: Blob[] = [];
      rec.ondataavailable = (e) => e.data.size && chunks.push(e.data);
      rec.onstop = async () => {
        stream.getTracks().forEach((t) => t.stop());
        setRecording(false);
        try {
          setBusy('Encoding the recording…');
          const blob = new Blob(chunks, { type: rec.mimeType });
          const buffer = await audioContext().decodeAudioData(await blob.arrayBuffer());
          const channels = Array.from({ length: buffer.numberOfChannels }, (_, c) => buffer.getChannelData(c));
          await send(encodeWav(channels, buffer.sampleRate), 'audio/wav');
        } catch (e) {
          setBusy('');
          setError(e);
        }
      };
      recorder.current = rec;
      rec.start();
      setRecording(true);
    } catch (e) {
      setError(e);
    }
  };

  const start = async (kind: 'analyze' | 'separate' | 'amapianorize') => {
    if (!upload) return;
    setError(null);
    const params: Record<string, unknown> = {};
    if (kind === 'amapianorize') {
      if (style !== 'auto') params.style = style;
      params.intensity = Number(intensity);
      params.keep = keep;
    }
    try {
      const r = await api.createJob(kind, params, upload.key);
      setJob({ id: r.id, kind, state: r.state, progress: 0, stage: 'queued' });
    } catch (e) {
      noteError(e);
      setError(e);
    }
  };

  const running = !!job && job.state !== 'done' && job.state !== 'failed' && job.state !== 'cancelled';
  return (
    <main class="screen">
      <h1>Bring a song</h1>
      <section class="form" aria-label="Your audio">
        <label class="field">
          <span>Upload a file (WAV, FLAC, OGG, MP3)</span>
          <input
            type="file"
            name="song"
            accept="audio/*"
            data-testid="file"
            onChange={(e) => {
              const f = (e.target as HTMLInputElement).files?.[0];
              if (f) void send(f, f.type || 'application/octet-stream');
            }}
          />
        </label>
        <button type="button" onClick={record} aria-pressed={recording}>
          {recording ? '■ Stop recording' : '● Record from the microphone'}
        </button>
        <p aria-live="polite" class="muted">
          {busy}
        </p>
      </section>
      <ErrorText error={error} />
      {upload && (
        <section aria-label="What to do with it" class="form">
          <p data-testid="upload-info">
            <strong>{upload.name}</strong>
            {upload.seconds !== undefined && ` · ${upload.seconds.toFixed(1)} s`}
            {upload.format && ` · ${upload.format}`}
          </p>
          <div class="actions">
            <button type="button" class="primary" disabled={running} onClick={() => start('analyze')}>
              Analyse
            </button>
            <button type="button" disabled={running} onClick={() => start('separate')}>
              Separate
            </button>
          </div>
          <fieldset>
            <legend>Amapianorize</legend>
            <div class="grid">
              <label class="field">
                <span>Style</span>
                <select value={style} onChange={(e) => setStyle((e.target as HTMLSelectElement).value)}>
                  <option value="auto">Auto</option>
                  <option value="amapiano">Amapiano</option>
                  <option value="private_school">Private school</option>
                  <option value="sgija">Sgija</option>
                </select>
              </label>
              <label class="field">
                <span>Intensity {Number(intensity).toFixed(2)}</span>
                <input type="range" min={0} max={1} step={0.05} value={intensity} onInput={(e) => setIntensity((e.target as HTMLInputElement).value)} />
              </label>
            </div>
            <div class="chips" role="group" aria-label="Keep from the song">
              {KEEP.map((k) => (
                <label key={k} class="chip">
                  <input type="checkbox" checked={keep.includes(k)} onChange={() => setKeep((ks) => (ks.includes(k) ? ks.filter((x) => x !== k) : [...ks, k]))} />
                  keep {k}
                </label>
              ))}
            </div>
            <button type="button" disabled={running} onClick={() => start('amapianorize')}>
              Amapianorize
            </button>
          </fieldset>
        </section>
      )}
      {job && (
        <section aria-label="Job progress">
          <Progress label={`${job.kind ?? 'job'} progress`} progress={job.progress ?? 0} stage={job.stage} state={job.state} />
          {job.state === 'failed' && <p class="error" role="alert">{job.error ?? 'The job failed.'}</p>}
        </section>
      )}
    </main>
  );
}
