import { useEffect, useState } from 'preact/hooks';
import { errorText, setToken } from '../state';
import { Api, ApiError } from '../api';

export function SignIn() {
  const [token, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    performance.mark('yano-interactive');
  }, []);
  return (
    <main class="screen signin">
      <h1>yano</h1>
      <p>An amapiano studio. Sign in with an API token made on the server with <code>yano token create NAME</code>.</p>
      <form
        class="form"
        onSubmit={async (e) => {
          e.preventDefault();
          const t = token.trim();
          if (!t) return;
          setBusy(true);
          setError(null);
          try {
            const candidate = new Api(() => t);
            await candidate.me().catch((err) => {
              // a server without /v1/me: any authorised request checks the token
              if (err instanceof ApiError && err.status === 404) return candidate.jobs();
              throw err;
            });
            setToken(t);
            if (!location.hash || location.hash === '#/' || location.hash === '#/signin') location.hash = '#/generate';
          } catch (err) {
            setError(err instanceof ApiError && err.status === 401 ? 'That token is not valid.' : errorText(err));
          } finally {
            setBusy(false);
          }
        }}
      >
        <label class="field">
          <span>API token</span>
          <input name="token" type="password" autoComplete="current-password" value={token} onInput={(e) => setValue((e.target as HTMLInputElement).value)} required />
        </label>
        <button type="submit" class="primary" disabled={busy} data-testid="signin">
          Sign in
        </button>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}
