import { useEffect, useState } from 'preact/hooks';
import type { Settings } from '../messages.ts';
import { describe, errorCode } from './describe.ts';
import { useLive } from './hooks.ts';
import { send } from './rpc.ts';
import { SignIn } from './sign-in.tsx';
import { TwoStepSection } from './settings-totp.tsx';
import { useAction } from './use-action.ts';
import { VerifyAddress } from './verify-address.tsx';

/**
 * The settings page (opened from the popup, from the share mail's landing page, or as the
 * extension's options page): who is signed in and to which server, the address and whether it
 * is proved, the mail the server sends (stored on the server, which the notifier honours), the
 * password, two-step sign-in, and signing out. Everything is read from the server each time the page opens.
 */
export function SettingsApp() {
  const { data: state } = useLive(() => send({ type: 'state' }), [], (c) => c.type === 'account');
  return (
    <main class="settings">
      <h1>Cytoshare settings</h1>
      {!state ? <p class="loading">Loading…</p> : state.account ? <SignedInSettings /> : <SignedOut />}
    </main>
  );
}

function SignedOut() {
  return (
    <>
      <p>Not signed in. Sign in to choose your mail preferences; the server you sign in to is the one your experiments sync with.</p>
      <SignIn />
    </>
  );
}

function SignedInSettings() {
  const { data: settings, error, reload } = useLive(() => send({ type: 'settings' }), [], (c) => c.type === 'account');
  if (error) return <p role="alert" class="error">{describe(errorCode(error))} Settings are kept on the server: try again once it can be reached.</p>;
  if (!settings) return <p class="loading">Loading…</p>;
  return (
    <>
      <AccountSection settings={settings} />
      <MailSection settings={settings} onSaved={reload} />
      <PasswordSection />
      <TwoStepSection required={settings.totpEnrolmentRequired} />
    </>
  );
}

function AccountSection({ settings }: { settings: Settings }) {
  const address = settings.emailVerified ? `${settings.email} (confirmed)` : 'none confirmed yet';
  return (
    <section aria-labelledby="account-title">
      <h2 id="account-title">Account</h2>
      <dl class="facts">
        <dt>Signed in as</dt>
        <dd data-testid="settings-username">{settings.username}</dd>
        <dt>Address</dt>
        <dd data-testid="settings-email">{address}</dd>
        <dt>Server</dt>
        <dd data-testid="settings-server">{settings.server}</dd>
      </dl>
      <VerifyAddress />
      <p class="meta">To use another server, sign out and sign in there.</p>
      <button type="button" onClick={() => void send({ type: 'logout' })}>
        Sign out
      </button>
    </section>
  );
}

function MailSection({ settings, onSaved }: { settings: Settings; onSaved: () => void }) {
  const { act, refusal } = useAction();
  const [saved, setSaved] = useState(false);
  // The box shows the click at once; the server's value comes back with the reload.
  const [on, setOn] = useState(settings.shareEmails);
  useEffect(() => setOn(settings.shareEmails), [settings.shareEmails]);
  const change = async (wanted: boolean) => {
    setSaved(false);
    setOn(wanted);
    if (await act({ type: 'setPreferences', shareEmails: wanted })) setSaved(true);
    else setOn(settings.shareEmails);
    onSaved();
  };
  return (
    <section aria-labelledby="mail-title">
      <h2 id="mail-title">Mail</h2>
      <label class="check">
        <input type="checkbox" checked={on} onChange={(e) => void change(e.currentTarget.checked)} />
        Mail me when someone shares an experiment with me
      </label>
      <p class="meta">Connection requests and address confirmations are always mailed: they need an answer.</p>
      {saved && <p role="status">Saved.</p>}
      {refusal && <p role="alert" class="error">{refusal}</p>}
    </section>
  );
}

function PasswordSection() {
  // Not `act`: the answer (how many sessions ended) is shown.
  const { refusal, setRefusal } = useAction();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    setDone(null);
    if (next !== repeat) {
      setRefusal('The new password and its repetition differ.');
      return;
    }
    try {
      const { endedSessions } = await send({ type: 'changePassword', currentPassword: current, newPassword: next });
      setCurrent('');
      setNext('');
      setRepeat('');
      setRefusal(null);
      setDone(`Password changed. ${endedSessions === 1 ? 'One other session was' : `${endedSessions} other sessions were`} signed out.`);
    } catch (failure) {
      setRefusal(describe(errorCode(failure)));
    }
  };
  return (
    <section aria-labelledby="password-title">
      <h2 id="password-title">Password</h2>
      <form class="password-form" onSubmit={submit} aria-labelledby="password-title">
        <label>
          Current password
          <input type="password" autoComplete="current-password" required value={current} onInput={(e) => setCurrent(e.currentTarget.value)} />
        </label>
        <label>
          New password
          <input type="password" autoComplete="new-password" required minLength={8} value={next} onInput={(e) => setNext(e.currentTarget.value)} />
        </label>
        <label>
          New password again
          <input type="password" autoComplete="new-password" required minLength={8} value={repeat} onInput={(e) => setRepeat(e.currentTarget.value)} />
        </label>
        <button type="submit">Change password</button>
      </form>
      {done && <p role="status">{done}</p>}
      {refusal && <p role="alert" class="error">{refusal}</p>}
    </section>
  );
}
