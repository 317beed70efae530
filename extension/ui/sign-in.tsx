import { useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import { send } from './rpc.ts';
import { describe, errorCode } from './describe.ts';

/**
 * Sign-in form. A server other than this machine needs a host permission, which the browser
 * grants only in answer to a click: hence the request happens in the submit handler.
 */
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost']);

async function ensureHostPermission(server: string): Promise<boolean> {
  const url = new URL(server);
  if (LOCAL_HOSTS.has(url.hostname)) return true;
  return browser.permissions.request({ origins: [`${url.origin}/*`] });
}

export function SignIn({ onSignedIn }: { onSignedIn?: () => void }) {
  const [server, setServer] = useState('http://127.0.0.1:8787');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  // Shown once the server answered TOTP_REQUIRED (which it says only after a right password).
  const [needsCode, setNeedsCode] = useState(false);
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (!(await ensureHostPermission(server))) throw Object.assign(new Error('permission'), { code: 'SERVER_UNREACHABLE' });
      const trimmed = code.trim();
      await send({ type: 'login', server, username: username.trim().toLowerCase(), password, ...(needsCode && trimmed ? { code: trimmed } : {}) });
      setPassword('');
      setCode('');
      setNeedsCode(false);
      onSignedIn?.();
    } catch (failure) {
      const refused = errorCode(failure);
      if (refused === 'TOTP_REQUIRED') {
        // Not an error to show in red the first time: the form just asks for its second step.
        setError(needsCode ? describe(refused) : null);
        setNeedsCode(true);
      } else {
        setError(describe(refused));
      }
      setCode('');
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="sign-in" onSubmit={submit} aria-labelledby="sign-in-title">
      <h2 id="sign-in-title">Sign in</h2>
      <label>
        Server
        <input type="url" name="server" required value={server} onInput={(e) => setServer(e.currentTarget.value)} />
      </label>
      <label>
        Username
        <input name="username" autoComplete="username" required value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
      </label>
      <label>
        Password
        <input type="password" name="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
      </label>
      {needsCode && (
        <label>
          Code from your authenticator app (or a recovery code)
          <input
            name="code"
            autoComplete="one-time-code"
            inputMode="text"
            required
            autoFocus
            value={code}
            onInput={(e) => setCode(e.currentTarget.value)}
          />
        </label>
      )}
      {error && <p role="alert" class="error">{error}</p>}
      <button type="submit" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
    </form>
  );
}
