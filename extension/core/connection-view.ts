import type { ConnectionContext } from '../../shared/rules/connections.ts';
import type { ConnectionEntry } from '../../shared/schemas/connection-entry.ts';
import type { ServerMode } from '../../shared/schemas/entities.ts';

/**
 * The connection rules' view of the signed-in user, built from their synced connections list:
 * who they are connected with, which requests wait in each direction, and what they share.
 */
export function connectionContextOf(session: { mode: ServerMode; email: string }, entries: ConnectionEntry[]): ConnectionContext {
  const connected = new Set(entries.filter((e) => e.status !== 'pending' && e.user).map((e) => e.user as string));
  const outgoing = new Set(entries.filter((e) => e.direction === 'outgoing').flatMap((e) => (e.user ? [e.user, e.email] : [e.email])));
  const incoming = new Set(entries.filter((e) => e.direction === 'incoming' && e.user).map((e) => e.user as string));
  const shared = new Map(entries.map((e) => [e.user, e.sharedExperiments + e.sharedProjects]));
  const byEmail = new Map(entries.filter((e) => e.user).map((e) => [e.email.toLowerCase(), e.user as string]));
  return {
    mode: session.mode,
    actorEmail: session.email,
    connected,
    outgoing,
    incoming,
    sharedWith: (user) => shared.get(user) ?? 0,
    userByEmail: (email) => byEmail.get(email.toLowerCase()) ?? null,
  };
}
