import { useState } from 'preact/hooks';
import type { TotpEnrolment } from '../../shared/schemas/api.ts';
import { describe, errorCode } from './describe.ts';
import { useLive } from './hooks.ts';
import { send } from './rpc.ts';

/**
 * The settings page's "Two-step sign-in": status; enable (the password, then the secret and its
 * otpauth:// URI to copy into an authenticator app, then a first code to confirm); the recovery
 * codes, shown once; and disable (the password and a code). The secret stays only in this
 * component's state and is gone once the page closes or the factor is confirmed.
 */
export function TwoStepSection({ required }: { required: boolean }) {
  const { data: status, error, reload } = useLive(() => send({ type: 'totpStatus' }), []);
  const [enrolment, setEnrolment] = useState<TotpEnrolment | null>(null);
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [refusal, setRefusal] = useState<string | null>(null);

  const run = async (work: () => Promise<void>) => {
    setRefusal(null);
    try {
      await work();
    } catch (failure) {
      setRefusal(describe(errorCode(failure)));
    } finally {
      setPassword('');
      setCode('');
      reload();
    }
  };
  const enable = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      setRecoveryCodes(null);
      setEnrolment(await send({ type: 'totpEnable', password }));
    });
  };
  const confirm = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      const { recoveryCodes: codes } = await send({ type: 'totpConfirm', code: code.trim() });
      setEnrolment(null);
      setRecoveryCodes(codes);
    });
  };
  const disable = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      await send({ type: 'totpDisable', password, code: code.trim() });
      setRecoveryCodes(null);
    });
  };

  const passwordField = (
    <label>
      Password
      <input type="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
    </label>
  );
  const codeField = (label: string) => (
    <label>
      {label}
      <input name="totp-code" autoComplete="one-time-code" required value={code} onInput={(e) => setCode(e.currentTarget.value)} />
    </label>
  );

  return (
    <section aria-labelledby="totp-title">
      <h2 id="totp-title">Two-step sign-in</h2>
      {required && !status?.enabled && (
        <p role="alert" class="error">
          This server requires two-step sign-in: set it up here before anything else works.
        </p>
      )}
      {error ? <p role="alert" class="error">{describe(errorCode(error))}</p> : null}
      {status && (
        <p data-testid="totp-status">
          {status.enabled
            ? `On: sign-in asks for a code from your authenticator app. ${status.recoveryCodesLeft} recovery code${status.recoveryCodesLeft === 1 ? '' : 's'} left.`
            : 'Off: sign-in asks only for your password.'}
        </p>
      )}
      {recoveryCodes && (
        <div class="recovery-codes">
          <p>Two-step sign-in is on. Keep these recovery codes somewhere safe: each works once in place of a code, and they are not shown again.</p>
          <pre data-testid="totp-recovery-codes">{recoveryCodes.join('\n')}</pre>
        </div>
      )}
      {status && !status.enabled && !enrolment && (
        <form class="password-form" onSubmit={enable} aria-label="Turn on two-step sign-in">
          {passwordField}
          <button type="submit">Set up two-step sign-in</button>
        </form>
      )}
      {enrolment && (
        <form class="password-form" onSubmit={confirm} aria-label="Confirm two-step sign-in">
          <p>Add this account to your authenticator app with the link below (or type the secret), then enter the code it shows.</p>
          <label>
            Link for the app
            <input readOnly data-testid="totp-uri" value={enrolment.uri} onFocus={(e) => e.currentTarget.select()} />
          </label>
          <label>
            Secret
            <input readOnly data-testid="totp-secret" value={enrolment.secret} onFocus={(e) => e.currentTarget.select()} />
          </label>
          {codeField('Code from the app')}
          <button type="submit">Turn on</button>
        </form>
      )}
      {status?.enabled && (
        <form class="password-form" onSubmit={disable} aria-label="Turn off two-step sign-in">
          {passwordField}
          {codeField('A current code or a recovery code')}
          <button type="submit">Turn off two-step sign-in</button>
        </form>
      )}
      {refusal && <p role="alert" class="error">{refusal}</p>}
    </section>
  );
}
