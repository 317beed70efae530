import type * as Y from 'yjs';
import { z } from 'zod';
import { ServerModeSchema, Username } from '../../shared/schemas/entities.ts';
import { Intent } from '../../shared/schemas/intents.ts';
import type { Draft } from './contract.ts';

/**
 * The storage port of the client core. The CLI keeps a profile directory (file-store.ts), the
 * extension IndexedDB (browser-store.ts); the core sees only this interface.
 *
 * Documents are handed out live: `openDoc` returns a Y.Doc already loaded from storage, and
 * every later update of that doc is persisted by the store itself. `flush` waits until
 * everything written so far is durable, so a caller can record a draft only after the edit it
 * describes is safely stored.
 */
export const StoredSession = z.strictObject({
  server: z.string().min(1),
  token: z.string().min(1),
  username: Username,
  email: z.string(),
  staff: z.boolean(),
  expiresAt: z.number(),
  mode: ServerModeSchema,
});
export type StoredSession = z.infer<typeof StoredSession>;

const draftBase = {
  id: z.string(),
  experimentId: z.string(),
  description: z.string(),
  state: z.enum(['pending', 'accepted', 'rejected']),
  code: z.string().optional(),
  message: z.string().optional(),
  createdAt: z.number(),
  settledAt: z.number().optional(),
};
export const DraftSchema = z.discriminatedUnion('kind', [
  z.strictObject({ ...draftBase, kind: z.literal('intent'), intent: Intent }),
  z.strictObject({
    ...draftBase,
    kind: z.literal('edit'),
    docName: z.string(),
    client: z.number().int().nonnegative(),
    clockStart: z.number().int().nonnegative(),
    clockEnd: z.number().int().nonnegative(),
    fields: z.array(z.strictObject({ root: z.string(), key: z.string() })).optional(),
  }),
]);
// Keeps the schema and the contract's type in step: a drift fails the type check here.
const _draftsMatch: z.infer<typeof DraftSchema> extends Draft ? (Draft extends z.infer<typeof DraftSchema> ? true : never) : never = true;
void _draftsMatch;

export interface ClientStore {
  loadSession(): Promise<StoredSession | null>;
  /** null signs out: the session is removed from storage. */
  saveSession(session: StoredSession | null): Promise<void>;

  /** Every draft, in creation order. */
  loadDrafts(): Promise<Draft[]>;
  /** Inserts or replaces the draft with this id. */
  putDraft(draft: Draft): Promise<void>;
  deleteDraft(id: string): Promise<void>;

  /** The document, loaded from storage (empty if never stored); later updates are persisted. */
  openDoc(name: string): Promise<Y.Doc>;
  /** Names of the documents held in storage. */
  docNames(): Promise<string[]>;
  /** Drops the local copy (access removed); an open Y.Doc of that name is destroyed. */
  deleteDoc(name: string): Promise<void>;
  /** Resolves once every write issued so far is durable. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export function sortDrafts(drafts: Draft[]): Draft[] {
  return [...drafts].sort((a, b) => a.createdAt - b.createdAt);
}
