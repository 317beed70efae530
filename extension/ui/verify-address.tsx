import { useState } from 'preact/hooks';
import { useLive } from './hooks.ts';
import { send } from './rpc.ts';
import { useAction } from './use-action.ts';

/**
 * Shown while an address waits for the code mailed to it: until a new account proves its
 * address, nothing addressed to it (connection requests, shares by email) reaches the account;
 * a changed address takes effect only once proved. Hidden when nothing waits, and when the
 * server cannot be asked (offline).
 */
export function VerifyAddress() {
  const { data: address, reload } = useLive(() => send({ type: 'address' }), [], (c) => c.type === 'account');
  const [code, setCode] = useState('');
  const { act, refusal } = useAction();
  const [resent, setResent] = useState(false);
  if (!address?.pendingEmail) return null;
  const why = address.emailVerified
    ? `${address.pendingEmail} becomes your address once you enter the code mailed to it.`
    : `Your address is not proved yet: nothing addressed to ${address.pendingEmail} reaches you until you enter the code mailed to it.`;
  return (
    <section class="verify-address" aria-labelledby="verify-title">
      <h2 id="verify-title">Confirm your address</h2>
      <p>{why}</p>
      <form
        class="inline-form"
        onSubmit={async (event) => {
          event.preventDefault();
          if (await act({ type: 'verifyEmail', code: code.trim() })) {
            setCode('');
            reload();
          }
        }}
      >
        <label>
          Code from the mail
          <input value={code} onInput={(e) => setCode(e.currentTarget.value)} autocomplete="one-time-code" spellcheck={false} required maxLength={64} />
        </label>
        <button type="submit">Confirm</button>
      </form>
      <p>
        {/* A code works once, for a day and for a few tries: this voids it and mails a new one. */}
        <button type="button" class="link" onClick={async () => setResent(await act({ type: 'changeEmail', email: address.pendingEmail as string }))}>
          Send a new code
        </button>
        {resent && <span role="status"> A new code is on its way to {address.pendingEmail}.</span>}
      </p>
      {refusal && <p role="alert" class="error">{refusal}</p>}
    </section>
  );
}
