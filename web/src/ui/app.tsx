import { useEffect, useState } from 'preact/hooks';
import { flushOutbox, getToken, online, outbox, setOnline, setToken } from '../state';
import { hub } from '../events';
import { useStore } from './common';
import { SignIn } from './signin';
import { Generate } from './generate';
import { TrackView } from './track';
import { Song } from './song';
import { Library } from './library';
import { ProjectView } from './project';

function useHash() {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

const NAV: [string, string][] = [
  ['#/generate', 'Generate'],
  ['#/song', 'Song'],
  ['#/library', 'Library'],
];

export function App() {
  useStore();
  const hash = useHash();
  useEffect(() => {
    const up = () => {
      setOnline(true);
      void flushOutbox();
    };
    const down = () => setOnline(false);
    addEventListener('online', up);
    addEventListener('offline', down);
    void flushOutbox();
    return () => {
      removeEventListener('online', up);
      removeEventListener('offline', down);
    };
  }, []);
  useEffect(() => {
    if (getToken()) performance.mark('yano-interactive');
  }, []);

  if (!getToken()) return <SignIn />;
  const [, route, arg] = /^#\/([a-z]+)\/?(.*)$/.exec(hash) ?? [];
  let screen;
  if (route === 'track' && arg) screen = <TrackView id={decodeURIComponent(arg)} key={arg} />;
  else if (route === 'project' && arg) screen = <ProjectView id={decodeURIComponent(arg)} key={arg} />;
  else if (route === 'song') screen = <Song />;
  else if (route === 'library') screen = <Library />;
  else screen = <Generate />;
  const current = `#/${route ?? 'generate'}`;
  const pending = outbox.size;
  return (
    <>
      <header class="top">
        <a class="brand" href="#/generate" aria-label="yano home">
          yano
        </a>
        <nav aria-label="Main">
          {NAV.map(([href, label]) => (
            <a key={href} href={href} aria-current={current === href ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <button
          type="button"
          class="signout"
          onClick={() => {
            hub.close();
            setToken(null);
            location.hash = '';
          }}
        >
          Sign out
        </button>
      </header>
      {(!online || pending > 0 || outbox.failed.length > 0) && (
        <div class={online ? 'banner' : 'banner offline'} role="status" aria-live="polite" data-testid="banner">
          {!online && <span>Offline. </span>}
          <span data-testid="pending">
            {pending} pending change{pending === 1 ? '' : 's'}
          </span>
          {outbox.failed.length > 0 && (
            <span class="failed">
              {' '}
              · {outbox.failed.length} could not be saved: {outbox.failed.map((f) => f.message).join('; ')}{' '}
              <button type="button" onClick={() => outbox.dismissFailed()}>
                Dismiss
              </button>
            </span>
          )}
          {online && pending > 0 && (
            <button type="button" onClick={() => void flushOutbox()}>
              Sync now
            </button>
          )}
        </div>
      )}
      {screen}
    </>
  );
}
