import { useEffect, useState } from 'preact/hooks';
import { jobTitle, type Job, type ProjectInfo, type Upload } from '../api';
import { offlineJobs } from '../offline';
import { api, flushOutbox, noteError, outbox } from '../state';
import { Confirm, ErrorText, RenameForm } from './common';

type Tab = 'tracks' | 'uploads' | 'projects';

function when(ms?: number) {
  return ms ? new Date(ms).toLocaleString() : '';
}

export function Library() {
  const [tab, setTab] = useState<Tab>('tracks');
  const [jobs, setJobs] = useState<Job[] | null>(null);
  const [offline, setOffline] = useState(false);
  const [uploads, setUploads] = useState<Upload[] | null>(null);
  const [projects, setProjects] = useState<ProjectInfo[] | null>(null);
  const [error, setError] = useState<unknown>(null);

  const load = () => {
    setError(null);
    if (tab === 'tracks')
      api
        .jobs()
        .then((j) => {
          setJobs(j);
          setOffline(false);
        })
        .catch((e) => {
          noteError(e);
          const kept = Object.values(offlineJobs()).sort((a, b) => b.created - a.created);
          setJobs(kept);
          setOffline(true);
        });
    if (tab === 'uploads')
      api.uploads().then(setUploads).catch((e) => {
        noteError(e);
        setError(e);
      });
    if (tab === 'projects')
      api.projects().then(setProjects).catch((e) => {
        noteError(e);
        setError(e);
      });
  };
  useEffect(load, [tab]);

  const act = async (f: () => Promise<unknown>) => {
    try {
      await f();
      load();
    } catch (e) {
      noteError(e);
      setError(e);
    }
  };

  const kept = offlineJobs();
  return (
    <main class="screen">
      <h1>Library</h1>
      <div class="tabs" role="tablist" aria-label="Library sections">
        {(['tracks', 'uploads', 'projects'] as Tab[]).map((t) => (
          <button key={t} type="button" role="tab" aria-selected={tab === t} onClick={() => setTab(t)} id={`tab-${t}`}>
            {t[0].toUpperCase() + t.slice(1)}
          </button>
        ))}
      </div>
      <ErrorText error={error} />
      <section role="tabpanel" aria-labelledby={`tab-${tab}`}>
        {tab === 'tracks' && (
          <>
            {offline && <p class="muted">Offline: showing the tracks kept offline.</p>}
            {jobs && jobs.length === 0 && <p class="muted">Nothing yet.</p>}
            <ul class="list" data-testid="library-tracks">
              {jobs?.map((j) => (
                <li key={j.id} data-job={j.id}>
                  <a href={`#/track/${j.id}`} class="item-title">
                    {jobTitle(j)}
                  </a>
                  <span class="muted">
                    {j.kind} · {j.state} · {when(j.created)}
                    {kept[j.id] ? ' · offline' : ''}
                  </span>
                  {!offline && (
                    <span class="item-actions">
                      <RenameForm
                        current={jobTitle(j)}
                        label={`Rename ${jobTitle(j)}`}
                        onRename={(name) =>
                          act(async () => {
                            outbox.add({ type: 'rename-job', jobId: j.id, name });
                            await flushOutbox();
                          })
                        }
                      />
                      <Confirm label={`Delete ${jobTitle(j)}`} question="Delete it?" onConfirm={() => act(() => api.deleteJob(j.id))} />
                    </span>
                  )}
                </li>
              ))}
            </ul>
          </>
        )}
        {tab === 'uploads' && (
          <ul class="list">
            {uploads?.length === 0 && <li class="muted">No uploads yet.</li>}
            {uploads?.map((u) => (
              <li key={u.key}>
                <span class="item-title">{u.name}</span>
                <span class="muted">
                  {(u.size / 1e6).toFixed(1)} MB · {when(u.created)}
                </span>
                <span class="item-actions">
                  <RenameForm
                    current={u.name}
                    label={`Rename ${u.name}`}
                    onRename={(name) =>
                      act(async () => {
                        outbox.add({ type: 'rename-upload', uploadKey: u.key, name });
                        await flushOutbox();
                      })
                    }
                  />
                  <Confirm label={`Delete ${u.name}`} question="Delete this upload?" onConfirm={() => act(() => api.deleteUpload(u.key))} />
                </span>
              </li>
            ))}
          </ul>
        )}
        {tab === 'projects' && (
          <ul class="list" data-testid="library-projects">
            {projects?.length === 0 && <li class="muted">No projects yet.</li>}
            {projects?.map((p) => (
              <li key={p.id}>
                <a href={`#/project/${p.id}`} class="item-title">
                  {p.name}
                </a>
                <span class="muted">
                  revision {p.revision} · {when(p.updated)}
                </span>
                <span class="item-actions">
                  <RenameForm
                    current={p.name}
                    label={`Rename ${p.name}`}
                    onRename={(name) =>
                      act(async () => {
                        outbox.add({ type: 'rename-project', projectId: p.id, name });
                        await flushOutbox();
                      })
                    }
                  />
                  <Confirm label={`Delete ${p.name}`} question="Delete this project?" onConfirm={() => act(() => api.deleteProject(p.id))} />
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </main>
  );
}
