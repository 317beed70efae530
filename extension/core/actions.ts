import * as Y from 'yjs';
import { contentFacts, docName } from '../../shared/doc-layout.ts';
import { checkContentWrite, type ContentWrite } from '../../shared/rules/content.ts';
import { intentAction } from '../../shared/actions/intent-table.ts';
import { planIntent } from '../../shared/rules/intents.ts';
import type { Actor, ServerMode } from '../../shared/schemas/entities.ts';
import { ErrorCode } from '../../shared/codes.ts';
import { Intent, IntentType, isExperimentIntent, isProjectIntent } from '../../shared/schemas/intents.ts';
import { planProjectIntent } from '../../shared/rules/projects.ts';
import { newProject } from '../../shared/schemas/project.ts';
import type { Verdict } from '../../shared/rules/verdict.ts';
import { planConnectionIntent, type ConnectionContext } from '../../shared/rules/connections.ts';
import { RuleRefusal, type Draft, type EditDraft, type IntentDraft } from './contract.ts';
import { newDraftId } from './ids.ts';
import { knownExperiments, knownProjects } from './replica.ts';
import type { ClientStore } from './store.ts';

/**
 * Turning an action into a draft. The shared rules run first against the replica; a refusal
 * throws and nothing is stored. An allowed sharing change is stored as an intent; an allowed
 * content edit is applied as one Yjs transaction and stored as its clock range.
 */
export type ActionContext = {
  store: ClientStore;
  actor: Actor;
  mode: ServerMode;
  now: () => number;
  /** The actor's connections as the replica knows them; without it the server alone decides. */
  connections?: ConnectionContext;
};

/** Creation times are strictly increasing, so drafts replay in the order they were made. */
async function nextCreatedAt(ctx: ActionContext): Promise<number> {
  const drafts = await ctx.store.loadDrafts();
  const last = drafts.reduce((max, d) => Math.max(max, d.createdAt), 0);
  return Math.max(ctx.now(), last + 1);
}

/**
 * `intent` comes without its id: the draft id is made here and doubles as the intent id. The
 * draft's line comes from the intent table. With `record` false the rules run and the draft is
 * returned but never stored (a dry run).
 */
export async function recordIntent(ctx: ActionContext, intentBody: Record<string, unknown>, record = true): Promise<IntentDraft> {
  const id = newDraftId();
  const parsed = Intent.safeParse({ ...intentBody, id });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RuleRefusal(ErrorCode.INVALID_VALUE, issue?.message ?? 'invalid value', issue?.path.map(String));
  }
  const drafts = await ctx.store.loadDrafts();
  const intent = normalized(parsed.data);
  const verdict = await localVerdict(ctx, intent, drafts);
  if (!verdict.ok) throw new RuleRefusal(verdict.code, verdict.message, verdict.path);
  const draft: IntentDraft = {
    kind: 'intent', id, experimentId: isExperimentIntent(intent) ? intent.experimentId : '', description: describeIntent(intent), state: 'pending',
    createdAt: await nextCreatedAt(ctx), intent,
  };
  if (record) await ctx.store.putDraft(draft);
  return draft;
}

/**
 * The shared rules on what the replica knows. Where it lacks what a rule needs (the
 * connections list before the first sync, a project it is not a member of), the rule is left
 * to the server rather than guessed.
 */
async function localVerdict(ctx: ActionContext, intent: Intent, drafts: Draft[]): Promise<Verdict> {
  const c = ctx.connections;
  // The target may be named by email; the connections list knows both.
  const isConnected = c ? { isConnected: (_a: string, b: string) => c.connected.has(b) || c.connected.has(c.userByEmail?.(b) ?? '') } : {};
  const projects = await knownProjects(ctx.store);
  if (isExperimentIntent(intent)) {
    const experiments = await knownExperiments(ctx.store, drafts, ctx.actor.username);
    const target = experiments.get(intent.experimentId);
    // A project the replica lacks (not the user's, or not synced yet) leaves the verdict to the
    // server, except for owner-only intents: a project never makes anyone the owner, so the
    // rules decide those exactly without it (a non-owner's curation request is refused at once).
    if (target?.projectId && !projects.has(target.projectId) && !isOwnerOnly(intent)) return { ok: true };
    if (intent.type === IntentType.move && intent.projectId !== null && !projects.has(intent.projectId)) return { ok: true };
    // The local clock decides an end date or embargo as the server's will (SHARE_EXPIRY at once).
    return planIntent(intent, ctx.actor, { experiments, projects, mode: ctx.mode, now: Date.now(), ...isConnected }).verdict;
  }
  if (isProjectIntent(intent)) {
    for (const draft of drafts) {
      if (draft.kind === 'intent' && draft.state === 'pending' && draft.intent.type === IntentType.projectCreate && !projects.has(draft.intent.projectId)) {
        projects.set(draft.intent.projectId, newProject(draft.intent.projectId, draft.intent.name, ctx.actor.username));
      }
    }
    return planProjectIntent(intent, ctx.actor, { projects, mode: ctx.mode, ...isConnected }).verdict;
  }
  return ctx.connections ? planConnectionIntent(intent, ctx.actor, ctx.connections) : { ok: true };
}

/** The intent as the table's `normalize` leaves it. */
function normalized(intent: Intent): Intent {
  const { normalize }: { normalize?: (intent: Intent) => Intent } = intentAction(intent.type);
  return normalize ? normalize(intent) : intent;
}

/** The draft's line for a person, from the intent table. */
function describeIntent(intent: Intent): string {
  return intentAction(intent.type).describe(intent);
}

/** Intents only the owner may make, whatever the project says (the intent table's `ownerOnly`). */
function isOwnerOnly(intent: Intent): boolean {
  const entry: { ownerOnly?: true } = intentAction(intent.type);
  return entry.ownerOnly === true;
}

/**
 * Applies `writes` to the experiment's replica in one transaction. Every write is checked
 * before the transaction starts, so a refused edit never touches the document.
 */
export async function recordEdit(ctx: ActionContext, experimentId: string, writes: ContentWrite[], description: string): Promise<EditDraft> {
  const drafts = await ctx.store.loadDrafts();
  const experiments = await knownExperiments(ctx.store, drafts, ctx.actor.username);
  const state = experiments.get(experimentId);
  if (!state) throw new RuleRefusal(ErrorCode.UNKNOWN_EXPERIMENT, 'no such experiment', ['experimentId']);
  const project = state.projectId ? ((await knownProjects(ctx.store)).get(state.projectId) ?? null) : null;
  const name = docName.experiment(experimentId);
  // The replica's files and gates, for the same reference checks the server makes; an
  // experiment whose document is not here yet (created offline) has none.
  const stored = (await ctx.store.docNames()).includes(name);
  const facts = contentFacts(stored ? await ctx.store.openDoc(name) : new Y.Doc());
  for (const write of writes) {
    const verdict = checkContentWrite(state, ctx.actor, write, project, facts);
    if (!verdict.ok) throw new RuleRefusal(verdict.code, verdict.message, verdict.path);
  }
  const doc = await ctx.store.openDoc(name);
  const client = doc.clientID;
  const clockStart = Y.getState(doc.store, client);
  doc.transact(() => {
    for (const write of writes) {
      const map = doc.getMap(write.root);
      if (write.key === null) continue;
      if (write.deleted) map.delete(write.key);
      else map.set(write.key, write.value);
    }
  });
  const clockEnd = Y.getState(doc.store, client);
  // The edit must be durable before the draft that names it.
  await ctx.store.flush();
  const draft: EditDraft = {
    kind: 'edit', id: newDraftId(), experimentId, description, state: 'pending',
    createdAt: await nextCreatedAt(ctx), docName: name, client, clockStart, clockEnd,
    fields: writes.flatMap((w) => (w.key === null ? [] : [{ root: w.root, key: w.key }])),
  };
  // An edit that changed nothing (same value again) has no range to confirm: it is settled now.
  if (clockEnd === clockStart) Object.assign(draft, { state: 'accepted', settledAt: ctx.now() });
  await ctx.store.putDraft(draft);
  return draft;
}
