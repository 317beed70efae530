import { z } from 'zod';
import { readConnectionEntries, readWaitingShares } from '../../shared/doc-layout.ts';
import { docName } from '../../shared/doc-layout.ts';
import type { WaitingShareEntry } from '../../shared/schemas/connection-entry.ts';
import { knownProjects } from './replica.ts';
import type { ClientStore } from './store.ts';

/**
 * Whom the Sharing dialog suggests as you type: your connections and the people of your
 * projects, from the replica (so it works offline and asks the server nothing: no lookup of
 * names you are not already connected or working with).
 */
export const SharePerson = z.object({
  user: z.string(),
  email: z.string().nullable(),
  /** Connected (or pre-existing); false for a project colleague you are not connected with. */
  connected: z.boolean(),
  /** Names of your projects they are in. */
  projects: z.array(z.string()),
});
export type SharePerson = z.infer<typeof SharePerson>;

async function connectionsDoc(store: ClientStore, me: string) {
  const name = docName.connections(me);
  return (await store.docNames()).includes(name) ? store.openDoc(name) : null;
}

export async function sharePeople(store: ClientStore, me: string): Promise<SharePerson[]> {
  const people = new Map<string, SharePerson>();
  const doc = await connectionsDoc(store, me);
  for (const entry of doc ? readConnectionEntries(doc) : []) {
    if (entry.status === 'pending' || entry.user === null || entry.user === me) continue;
    people.set(entry.user, { user: entry.user, email: entry.email || null, connected: true, projects: [] });
  }
  for (const project of (await knownProjects(store)).values()) {
    for (const user of Object.keys(project.members)) {
      if (user === me) continue;
      const person = people.get(user) ?? { user, email: null, connected: false, projects: [] };
      person.projects.push(project.name);
      people.set(user, person);
    }
  }
  return [...people.values()].sort((a, b) => a.user.localeCompare(b.user));
}

/** The user's shares that wait for a connection, or were refused when it came (server-written). */
export async function waitingShares(store: ClientStore, me: string): Promise<WaitingShareEntry[]> {
  const doc = await connectionsDoc(store, me);
  return doc ? readWaitingShares(doc) : [];
}
