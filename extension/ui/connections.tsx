import { useState } from 'preact/hooks';
import { describeCode, ErrorCode } from '../../shared/codes.ts';
import { useLive } from './hooks.ts';
import { send } from './rpc.ts';
import { useAction } from './use-action.ts';

/**
 * Connections (premium servers): sharing with someone needs one. Requests go by email and stay
 * pending for both until the other accepts or rejects; a connection can be removed only when
 * the two share nothing, so its Remove button is disabled with that reason otherwise.
 */
const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

export function Connections() {
  const { data: entries } = useLive(() => send({ type: 'connections' }), [], (c) => c.type === 'list' || c.type === 'account' || c.type === 'drafts');
  const [email, setEmail] = useState('');
  const { act, refusal: error } = useAction();
  const incoming = (entries ?? []).filter((e) => e.status === 'pending' && e.direction === 'incoming');
  const outgoing = (entries ?? []).filter((e) => e.status === 'pending' && e.direction === 'outgoing');
  const connected = (entries ?? []).filter((e) => e.status !== 'pending');

  return (
    <section class="connections" aria-labelledby="connections-title">
      <h2 id="connections-title">Connections{incoming.length > 0 ? ` (${incoming.length} waiting)` : ''}</h2>
      {incoming.length > 0 && (
        <ul aria-label="Connection requests">
          {incoming.map((e) => (
            <li key={e.email} class="connection" data-testid="connection-request">
              <span><strong>{e.user ?? e.email}</strong> wants to connect</span>
              <span class="actions">
                <button type="button" onClick={() => e.user && act({ type: 'accept', user: e.user })} aria-label={`Accept ${e.user ?? e.email}`}>Accept</button>
                <button type="button" onClick={() => e.user && act({ type: 'reject', user: e.user })} aria-label={`Reject ${e.user ?? e.email}`}>Reject</button>
              </span>
            </li>
          ))}
        </ul>
      )}
      {connected.length + outgoing.length > 0 && (
        <ul aria-label="Your connections">
          {connected.map((e) => {
            const shared = e.sharedExperiments + e.sharedProjects;
            return (
              <li key={e.email} class="connection" data-testid={`connection-${e.user}`}>
                <span>
                  <strong>{e.user}</strong>
                  {e.status === 'pre-existing' ? ' (pre-existing)' : ''} — {count(e.sharedExperiments, 'experiment')}, {count(e.sharedProjects, 'project')} shared
                </span>
                <button type="button" disabled={shared > 0} title={shared > 0 ? describeCode(ErrorCode.CONNECTION_IN_USE) : undefined} onClick={() => e.user && act({ type: 'disconnect', user: e.user })} aria-label={`Remove connection with ${e.user}${shared > 0 ? ` (${describeCode(ErrorCode.CONNECTION_IN_USE)})` : ''}`}>
                  Remove
                </button>
              </li>
            );
          })}
          {outgoing.map((e) => (
            <li key={e.email} class="connection">
              <span><strong>{e.user ?? e.email}</strong> — request sent, waiting for an answer</span>
            </li>
          ))}
        </ul>
      )}
      <form
        class="inline-form"
        onSubmit={async (event) => {
          event.preventDefault();
          if (await act({ type: 'connect', email: email.trim() })) setEmail('');
        }}
      >
        <label>
          Connect with a user (email)
          <input type="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} required />
        </label>
        <button type="submit">Send request</button>
      </form>
      {error && <p role="alert" class="error">{error}</p>}
    </section>
  );
}
