import { useState } from 'preact/hooks';
import { ErrorCode } from '../../../shared/codes.ts';
import { SHARE_MESSAGE_MAX_CHARS } from '../../../shared/schemas/intents.ts';
import { expiryOf } from '../../../shared/schemas/review-links.ts';
import type { SharePerson } from '../../core/share-people.ts';
import { describe, errorCode } from '../describe.ts';
import { send } from '../rpc.ts';
import { PersonCombobox } from './person-combobox.tsx';

/**
 * Adds a person: the suggesting field, "Notify by email" (on by default) with an optional
 * message for the mail, and, on a premium server when the person is not connected with you, a
 * Connect action right there: the request goes out and the share waits for their answer.
 */
export function ShareForm(props: { id: string; people: SharePerson[]; exclude: ReadonlySet<string>; lock: string | null; premium: boolean }) {
  const { id, lock } = props;
  const [user, setUser] = useState('');
  const [notify, setNotify] = useState(true);
  const [message, setMessage] = useState('');
  const [role, setRole] = useState<'full' | 'viewer'>('full');
  const [endsOn, setEndsOn] = useState('');
  const [unconnected, setUnconnected] = useState<string | null>(null);
  const [refusal, setRefusal] = useState<string | null>(null);

  const share = async (connect: boolean) => {
    const who = user.trim();
    setRefusal(null);
    try {
      // `@name` is one of your groups (suggested as you type): shared with the group, not a person.
      if (who.startsWith('@')) await send({ type: 'shareGroup', id, group: who.slice(1), notify, ...(notify && message.trim() ? { message } : {}) });
      else {
        const until = endsOn ? expiryOf(endsOn) : undefined;
        await send({ type: 'share', id, user: who, notify, role, ...(notify && message.trim() ? { message } : {}), ...(connect ? { connect } : {}), ...(until ? { until } : {}) });
      }
      setUser('');
      setMessage('');
      setEndsOn('');
      setUnconnected(null);
    } catch (failure) {
      const code = errorCode(failure);
      if (code === ErrorCode.NOT_CONNECTED && props.premium && !connect) setUnconnected(who);
      else setRefusal(describe(code));
    }
  };

  return (
    <form
      class="share-form"
      aria-label="Share with someone"
      onSubmit={(event) => {
        event.preventDefault();
        void share(false);
      }}
    >
      <PersonCombobox
        value={user}
        onInput={(v) => {
          setUser(v);
          setUnconnected(null);
        }}
        people={props.people}
        exclude={props.exclude}
        disabled={lock !== null}
        {...(lock ? { describedBy: 'sharing-lock' } : {})}
      />
      <label class="role">
        Access{' '}
        <select name="role" value={role} disabled={lock !== null} onChange={(e) => setRole(e.currentTarget.value === 'viewer' ? 'viewer' : 'full')} data-testid="share-role">
          <option value="full">Full access</option>
          <option value="viewer">Can view (no editing, downloads or copies)</option>
        </select>
      </label>
      <label class="check">
        <input type="checkbox" checked={notify} disabled={lock !== null} onChange={(e) => setNotify(e.currentTarget.checked)} />
        Notify by email
      </label>
      {notify && (
        <label class="message">
          Message (optional, goes into the email)
          <textarea
            name="message"
            rows={2}
            maxLength={SHARE_MESSAGE_MAX_CHARS}
            value={message}
            disabled={lock !== null}
            onInput={(e) => setMessage(e.currentTarget.value)}
          />
        </label>
      )}
      <label class="ends">
        Access ends (optional, the end of that day UTC)
        <input type="date" name="until" data-testid="share-until" value={endsOn} disabled={lock !== null} onInput={(e) => setEndsOn(e.currentTarget.value)} />
      </label>
      <button type="submit" disabled={lock !== null || user.trim().length < 2}>Share</button>
      {unconnected !== null && (
        <div class="connect-first" role="alert" data-testid="connect-first">
          <p>
            You are not connected with <strong>{unconnected}</strong>. On this server sharing needs a connection: send them a
            connection request, and this experiment is shared as soon as they accept.
          </p>
          <button type="button" onClick={() => void share(true)}>
            Connect and share
          </button>
        </div>
      )}
      {refusal && (
        <p role="alert" class="error" data-testid="share-refusal">
          {refusal}
        </p>
      )}
    </form>
  );
}
