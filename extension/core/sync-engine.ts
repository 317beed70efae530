import { ErrorCode } from '../../shared/codes.ts';
import { DocKind, docName, parseDocName } from '../../shared/doc-layout.ts';
import type { Draft, EditDraft, IntentDraft } from './contract.ts';
import type { Api } from './api.ts';
import type * as Y from 'yjs';
import { linkAndSync, finalCloseMeaning, type LinkOptions } from './doc-link.ts';
import { catchUpOverMux, MUX_DOCS_PER_SOCKET, MUX_FROM_DOCS } from './mux-catch-up.ts';
import { EditTracker, type TrackerEvent } from './edit-tracker.ts';
import { CoreError, unreachable } from './errors.ts';
import { clearRemoved, markRemoved } from './replica.ts';
import type { ClientStore } from './store.ts';

/**
 * One-shot delivery of the outbox, as `sync()` runs it: intents by HTTP in creation order, then
 * each document with pending edits over its socket until every edit is settled. An unreachable
 * server stops the run and leaves the rest pending; it is never a rejection.
 */
export type SyncHooks = {
  onSettled: (draft: Draft) => void;
  onRemoved: (experimentId: string, code: string) => void;
  /** The intent now being sent, then null once its answer (or no answer) came. */
  onSending?: (draftId: string | null) => void;
};

const SYNC_TIMEOUT_MS = 8_000;
const ACK_TIMEOUT_MS = 8_000;

function settleIntent(draft: IntentDraft, state: 'accepted' | 'rejected', now: number, code?: string, message?: string): IntentDraft {
  const out: IntentDraft = { ...draft, state, settledAt: now };
  if (code !== undefined) out.code = code;
  if (message !== undefined) out.message = message;
  return out;
}

/** Returns false when the server could not be reached (later intents were not tried). */
export async function pushIntents(store: ClientStore, api: Api, hooks: SyncHooks, now: () => number): Promise<boolean> {
  for (const draft of await store.loadDrafts()) {
    if (draft.kind !== 'intent' || draft.state !== 'pending') continue;
    let settled: IntentDraft;
    hooks.onSending?.(draft.id);
    try {
      const result = await api.sendIntent(draft.intent);
      settled = result.ok ? settleIntent(draft, 'accepted', now()) : settleIntent(draft, 'rejected', now(), result.code, result.message);
    } catch (error) {
      if (error instanceof CoreError && error.kind === 'unreachable') return false;
      if (error instanceof CoreError && error.kind === 'refused') {
        settled = settleIntent(draft, 'rejected', now(), error.code, error.message);
      } else throw error;
    } finally {
      hooks.onSending?.(null);
    }
    await store.putDraft(settled);
    hooks.onSettled(settled);
  }
  return true;
}

/** Pushes the pending edits of one document; returns false if the server could not be reached. */
export async function pushDocEdits(
  store: ClientStore,
  name: string,
  drafts: EditDraft[],
  link: LinkOptions,
  hooks: SyncHooks,
): Promise<boolean> {
  const experimentId = drafts[0]?.experimentId ?? '';
  const tracker = new EditTracker(drafts);
  const doc = await store.openDoc(name);
  let removedCode: string | null = null;
  let resetCode: string | null = null;
  let finalClose: number | null = null;
  let wake: () => void = () => {};
  const done = new Promise<void>((resolve) => (wake = resolve));
  const apply = (events: TrackerEvent[]) => {
    for (const event of events) {
      if (event.type === 'settled') {
        void store.putDraft(event.draft);
        hooks.onSettled(event.draft);
      } else if (event.type === 'removed') removedCode = event.code;
      else resetCode = event.code;
    }
    if (tracker.size === 0 || removedCode !== null || resetCode !== null) wake();
  };
  let serverVector: Map<number, number> | null = null;
  const { link: opened, outcome } = await linkAndSync(
    name,
    doc,
    link,
    {
      onControl: (m) => apply(tracker.handle(m)),
      onServerVector: (v) => (serverVector = v),
      onFinalClose: (code) => {
        finalClose = code;
        wake();
      },
    },
    SYNC_TIMEOUT_MS,
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    if (outcome === 'synced' && tracker.size > 0 && removedCode === null) {
      if (serverVector) apply(tracker.acceptCovered(serverVector));
      await Promise.race([done, new Promise((resolve) => (timer = setTimeout(resolve, ACK_TIMEOUT_MS)))]);
    }
  } finally {
    clearTimeout(timer);
    opened.destroy();
  }
  const closed = typeof outcome === 'object' ? outcome.closed : finalClose;
  if (closed !== null && removedCode === null) {
    const meaning = finalCloseMeaning(closed);
    if (meaning === 'auth') throw new CoreError('auth', ErrorCode.SESSION_EXPIRED, 'the session is no longer valid');
    if (meaning === 'removed') {
      apply(tracker.rejectAll(ErrorCode.NOT_A_READER, 'no access to this experiment'));
      removedCode = ErrorCode.NOT_A_READER;
    }
  }
  await store.flush();
  if (removedCode !== null) {
    await markRemoved(store, experimentId, Date.now());
    hooks.onRemoved(experimentId, removedCode);
  } else if (resetCode !== null || (closed !== null && finalCloseMeaning(closed) === 'reset')) {
    // The server asked for a fresh copy: the next refresh loads it from scratch.
    await store.deleteDoc(name);
  } else if (outcome === 'synced') {
    await clearRemoved(store, experimentId);
  }
  await store.flush();
  return outcome !== 'unreachable';
}

/** Every document with pending edits, in the order of its first draft. */
export function editsByDoc(drafts: Draft[]): Map<string, EditDraft[]> {
  const out = new Map<string, EditDraft[]>();
  for (const d of drafts) {
    if (d.kind !== 'edit' || d.state !== 'pending') continue;
    const list = out.get(d.docName) ?? [];
    list.push(d);
    out.set(d.docName, list);
  }
  return out;
}

/**
 * Fetches documents from the server into the store (list and show read them afterwards). Many
 * documents (a client holding many experiments, back after a day offline) go over one
 * multiplexed socket, answered from the server's stored state; what that does not settle, and
 * a server without `/mux`, goes over one socket per document.
 */
export async function refreshDocs(
  store: ClientStore,
  names: string[],
  link: LinkOptions,
  onRemoved: (experimentId: string, code: string) => void,
): Promise<void> {
  const rest = names.length >= MUX_FROM_DOCS ? await refreshOverMux(store, names, link, onRemoved) : names;
  for (const name of rest) {
    const doc = await store.openDoc(name);
    let closingCode: string | null = null;
    const { link: opened, outcome } = await linkAndSync(name, doc, link, { onControl: (m) => { if (m.t === 'closing') closingCode = m.code; } }, SYNC_TIMEOUT_MS);
    opened.destroy();
    if (outcome === 'unreachable') throw unreachable();
    if (typeof outcome === 'object') await settleRefused(store, name, finalCloseMeaning(outcome.closed), closingCode ?? ErrorCode.NOT_A_READER, onRemoved);
    else await settleSynced(store, name);
  }
  await store.flush();
}

/** Refreshes `names` over multiplexed sockets; returns the names still to fetch one by one. */
async function refreshOverMux(store: ClientStore, names: string[], link: LinkOptions, onRemoved: (experimentId: string, code: string) => void): Promise<string[]> {
  const rest: string[] = [];
  for (let at = 0; at < names.length; at += MUX_DOCS_PER_SOCKET) {
    const chunk = names.slice(at, at + MUX_DOCS_PER_SOCKET);
    const docs = new Map<string, Y.Doc>();
    for (const name of chunk) docs.set(name, await store.openDoc(name));
    const outcome = await catchUpOverMux(docs, link, SYNC_TIMEOUT_MS + chunk.length * 20);
    if (outcome.t === 'closed' && finalCloseMeaning(outcome.code) === 'auth') throw new CoreError('auth', ErrorCode.SESSION_EXPIRED, 'the session is no longer valid');
    if (outcome.t !== 'done') {
      rest.push(...names.slice(at));
      break;
    }
    for (const name of chunk) {
      const result = outcome.results.get(name);
      if (result?.ok) await settleSynced(store, name);
      else if (result && (result.code === ErrorCode.NOT_A_READER || result.code === ErrorCode.ACCESS_REVOKED)) await settleRefused(store, name, 'removed', result.code, onRemoved);
      // No answer in time, or refused for now (a bound): its own socket gets it.
      else rest.push(name);
    }
  }
  return rest;
}

async function settleSynced(store: ClientStore, name: string): Promise<void> {
  if (name.startsWith('exp-')) await clearRemoved(store, name.slice(4));
}

/** A document the server would not give: an experiment is marked removed, anything else dropped on a reset or removal. */
async function settleRefused(
  store: ClientStore,
  name: string,
  meaning: ReturnType<typeof finalCloseMeaning>,
  code: string,
  onRemoved: (experimentId: string, code: string) => void,
): Promise<void> {
  const experimentId = name.startsWith('exp-') ? name.slice(4) : null;
  if (meaning === 'auth') throw new CoreError('auth', ErrorCode.SESSION_EXPIRED, 'the session is no longer valid');
  if (meaning === 'removed' && experimentId) {
    await markRemoved(store, experimentId, Date.now());
    onRemoved(experimentId, code);
  } else if (meaning === 'removed' || meaning === 'reset') {
    await store.deleteDoc(name);
  }
}

/** The experiments this device holds a copy of (what a catch-up brings up to date). */
export async function heldExperimentIds(store: ClientStore): Promise<string[]> {
  return (await store.docNames()).flatMap((name) => {
    const ref = parseDocName(name);
    return ref?.kind === DocKind.experiment ? [ref.experimentId] : [];
  });
}

export { docName };
