import { useEffect, useReducer, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { api, errorText, subscribe } from '../state';
import { formatTime, type Block } from '../timeline';

/** Re-renders the component on every store change. */
export function useStore() {
  const [, force] = useReducer((n: number) => n + 1, 0);
  useEffect(() => subscribe(() => force(0)), []);
}

export function Progress({ progress, stage, state, label }: { progress: number; stage?: string; state?: string; label: string }) {
  const pct = Math.round(Math.max(0, Math.min(1, progress || 0)) * 100);
  return (
    <div class="progress-wrap">
      <div
        class="progress"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
        data-testid="progress"
      >
        <div class="progress-fill" style={{ width: `${pct}%` }} />
      </div>
      <p class="progress-text" aria-live="polite" data-testid="progress-text">
        {state ? `${state}` : ''}
        {stage ? ` · ${stage}` : ''} · {pct}%
      </p>
    </div>
  );
}

export function ErrorText({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {errorText(error)}
    </p>
  );
}

/** Fetches an artifact with the token and saves it through an <a download>. */
export async function download(key: string, filename: string, format?: 'wav' | 'flac') {
  const r = await api.artifact(key, format);
  const blob = await r.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

export function Timeline({ rows, duration }: { rows: { label: string; blocks: Block[] }[]; duration: number }) {
  if (!duration) return null;
  return (
    <div class="timeline">
      {rows
        .filter((r) => r.blocks.length > 0)
        .map((row) => (
          <div class="timeline-row" role="list" aria-label={row.label} key={row.label}>
            <span class="timeline-label" aria-hidden="true">
              {row.label}
            </span>
            <div class="timeline-track">
              {row.blocks.map((b, i) => (
                <div
                  role="listitem"
                  key={i}
                  class="block"
                  title={`${b.label} ${formatTime(b.start)}–${formatTime(b.end)}`}
                  aria-label={`${b.label} from ${formatTime(b.start)} to ${formatTime(b.end)}`}
                  style={{ left: `${(b.start / duration) * 100}%`, width: `${((b.end - b.start) / duration) * 100}%` }}
                >
                  <span>{b.label}</span>
                </div>
              ))}
            </div>
          </div>
        ))}
    </div>
  );
}

export function Confirm({
  label,
  question,
  onConfirm,
  children,
}: {
  label: string;
  question: string;
  onConfirm: () => void;
  children?: ComponentChildren;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking)
    return (
      <button type="button" class="danger" aria-label={label} onClick={() => setAsking(true)}>
        {children ?? 'Delete'}
      </button>
    );
  return (
    <span class="confirm" role="group" aria-label={question}>
      <span>{question}</span>
      <button
        type="button"
        class="danger"
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        Yes, delete
      </button>
      <button type="button" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}

export function RenameForm({ current, label, onRename }: { current: string; label: string; onRename: (name: string) => void }) {
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(current);
  if (!editing)
    return (
      <button
        type="button"
        aria-label={label}
        onClick={() => {
          setName(current);
          setEditing(true);
        }}
      >
        Rename
      </button>
    );
  return (
    <form
      class="rename"
      onSubmit={(e) => {
        e.preventDefault();
        const n = name.trim();
        if (n) onRename(n);
        setEditing(false);
      }}
    >
      <label>
        <span class="sr-only">New name</span>
        <input value={name} maxLength={200} onInput={(e) => setName((e.target as HTMLInputElement).value)} autoFocus />
      </label>
      <button type="submit">Save</button>
      <button type="button" onClick={() => setEditing(false)}>
        Cancel
      </button>
    </form>
  );
}
