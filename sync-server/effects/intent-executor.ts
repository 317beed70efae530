import type * as Y from 'yjs';
import { docName, ExperimentRoot } from '../../shared/doc-layout.ts';
import { applyIntent, newSharing, planIntent, type IntentPlan } from '../../shared/rules/intents.ts';
import type { Actor, ServerMode, SharingState } from '../../shared/schemas/entities.ts';
import { IntentType, isExperimentIntent, type ExperimentIntent, type Intent, type IntentResult } from '../../shared/schemas/intents.ts';
import type { Verdict } from '../../shared/rules/verdict.ts';
import type { Connections } from './connections.ts';
import type { Notifier } from './notifier.ts';
import type { Logger } from '../log.ts';
import type { Rooms } from '../sync/rooms.ts';
import type { ExperimentRecord, Store } from '../store/store.ts';
import { holdersOf, refreshProjections } from './projections.ts';

export type IntentDeps = { store: Store; rooms: Rooms; log: Logger; mode: () => ServerMode; connections: Connections; notifier: Notifier };

/**
 * Decides and carries out sharing intents. The server is the only writer of sharing state:
 * it runs the shared rules against the database, saves the new state, mirrors it into the
 * experiment documents (cutting off readers who lost access), rewrites the affected users'
 * indexes and the catalog, and records the verdict in the audit log. Intents run one at a
 * time, so each is decided against the state the previous one left.
 */
export class IntentExecutor {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: IntentDeps) {}

  execute(actor: Actor, intent: Intent): Promise<IntentResult> {
    const next = this.queue.then(() => this.decide(actor, intent));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async decide(actor: Actor, intent: Intent): Promise<IntentResult> {
    const { store } = this.deps;
    const earlier = await store.findIntentResult(actor.username, intent.id);
    if (earlier !== null) return { ...(JSON.parse(earlier) as IntentResult), resent: true };

    if (!isExperimentIntent(intent)) {
      const verdict = await this.deps.connections.execute(actor, intent);
      return this.record(actor, intent, { verdict, affected: [], skipped: [] }, null);
    }
    const experiments = await this.context(intent);
    const resolved = 'user' in intent ? ((await store.findUser(intent.user))?.username ?? null) : null;
    const connected = await this.deps.connections.isConnectedSet(actor.username);
    const plan = planIntent(intent, actor, {
      experiments,
      resolveUser: () => resolved,
      mode: this.deps.mode(),
      isConnected: (_actor, user) => connected.has(user),
    });
    if (plan.verdict.ok) await this.carryOut(actor, intent, plan, experiments);
    return this.record(actor, intent, plan, intent.experimentId);
  }

  /** Stores the verdict (for resends) and its audit line together. */
  private async record(
    actor: Actor,
    intent: Intent,
    plan: { verdict: Verdict; affected: string[]; skipped: IntentPlan['skipped']; user?: string },
    experimentId: string | null,
  ): Promise<IntentResult> {
    const result: IntentResult = plan.verdict.ok
      ? { ok: true, draftId: intent.id, affected: plan.affected, skipped: plan.skipped, resent: false }
      : {
          ok: false,
          draftId: intent.id,
          code: plan.verdict.code,
          message: plan.verdict.message,
          ...(plan.verdict.path ? { path: plan.verdict.path } : {}),
          resent: false,
        };
    await this.deps.store.saveIntentResult(actor.username, intent.id, JSON.stringify(result), {
      at: Date.now(),
      actor: actor.username,
      action: intent.type,
      experimentId,
      verdict: result.ok ? 'accepted' : 'refused',
      code: result.ok ? null : result.code,
      detail: { intent, affected: plan.affected, skipped: plan.skipped, user: plan.user ?? null },
    });
    return result;
  }

  /** What the rules may consult: the target's family, a link's parent line, a new id if taken. */
  private async context(intent: ExperimentIntent): Promise<Map<string, ExperimentRecord>> {
    const { store } = this.deps;
    const out = new Map<string, ExperimentRecord>();
    const add = (records: ExperimentRecord[]) => records.forEach((r) => out.set(r.id, r));
    add(await store.getFamily(intent.experimentId));
    if (intent.type === IntentType.link && intent.parentId !== null) add(await store.getFamily(intent.parentId));
    if (intent.type === IntentType.clone) {
      const taken = await store.getExperiment(intent.newId);
      if (taken) out.set(taken.id, taken);
    }
    return out;
  }

  private async carryOut(actor: Actor, intent: ExperimentIntent, plan: IntentPlan, experiments: Map<string, ExperimentRecord>): Promise<void> {
    const { store, rooms } = this.deps;
    const now = Date.now();
    switch (intent.type) {
      case IntentType.create: {
        const record: ExperimentRecord = { ...newSharing(intent.experimentId, actor.username), name: intent.name, createdAt: now };
        await store.saveExperiments([record]);
        await this.writeNewDocument(record, { meta: { name: intent.name, purpose: '' } });
        await refreshProjections(store, rooms, [record.id], []);
        return;
      }
      case IntentType.clone: {
        const source = experiments.get(intent.experimentId) as ExperimentRecord;
        const content = await rooms.with(docName.experiment(source.id), async (room) => room.run(() => copyContent(room.doc)));
        const name = `${String(content.meta.name ?? source.name)} (clone)`.slice(0, 200);
        content.meta.name = name;
        const record: ExperimentRecord = {
          ...newSharing(intent.newId, actor.username, { parentId: intent.linked ? source.id : null, clonedFrom: source.id }),
          name,
          createdAt: now,
        };
        await store.saveExperiments([record]);
        await this.writeNewDocument(record, content);
        await refreshProjections(store, rooms, [record.id], []);
        return;
      }
      case IntentType.markViewed:
        await store.setViewed(intent.experimentId, actor.username);
        await refreshProjections(store, rooms, [intent.experimentId], []);
        return;
      default: {
        const before = new Set<string>();
        const changed: ExperimentRecord[] = [];
        for (const id of plan.affected) {
          const record = experiments.get(id);
          if (!record) continue;
          holdersOf(record).forEach((user) => before.add(user));
          const next = applyIntent(intent, plan, record, actor, now);
          changed.push({ ...record, ...next });
        }
        await store.saveExperiments(changed);
        for (const record of changed) {
          await rooms.with(docName.experiment(record.id), (room) => room.setSharing(sharingOf(record)));
        }
        await refreshProjections(store, rooms, changed.map((r) => r.id), before);
        await this.afterGrantChange(actor, intent, plan, changed, before);
      }
    }
  }

  /** Auto-connection, the share mail, and the shared counts in everyone's connections list. */
  private async afterGrantChange(actor: Actor, intent: ExperimentIntent, plan: IntentPlan, changed: ExperimentRecord[], before: Set<string>): Promise<void> {
    const { connections, store } = this.deps;
    const after = new Set(changed.flatMap(holdersOf));
    if (intent.type === IntentType.share && plan.user !== undefined) {
      await connections.autoConnect([...after], [plan.user]);
      const to = await store.findUser(plan.user);
      if (to && (await store.shareEmailsEnabled(to.username))) {
        await this.deps.notifier.shared({ by: actor.username, to, experiments: changed.map((r) => ({ id: r.id, name: r.name })) });
      }
    }
    await connections.refresh([...before, ...after]);
  }

  private async writeNewDocument(record: ExperimentRecord, content: Content): Promise<void> {
    await this.deps.rooms.with(docName.experiment(record.id), async (room) => {
      await room.serverWrite((doc) => {
        for (const [root, values] of Object.entries(content)) {
          const map = doc.getMap(root);
          for (const [key, value] of Object.entries(values)) map.set(key, value);
        }
      });
      await room.setSharing(sharingOf(record));
    });
  }
}

type Content = { meta: Record<string, unknown>; tags?: Record<string, unknown>; gates?: Record<string, unknown> };

function copyContent(doc: Y.Doc): Content & { meta: Record<string, unknown> } {
  return {
    meta: doc.getMap(ExperimentRoot.meta).toJSON(),
    tags: doc.getMap(ExperimentRoot.tags).toJSON(),
    gates: doc.getMap(ExperimentRoot.gates).toJSON(),
  };
}

export function sharingOf(record: ExperimentRecord): SharingState {
  const { name: _name, createdAt: _createdAt, ...sharing } = record;
  return sharing;
}


