import { docName, ExperimentRoot } from '../../shared/doc-layout.ts';
import type { ListFacts } from '../../shared/schemas/index-entry.ts';
import type { Logger } from '../log.ts';
import type { DocRoom } from '../sync/room.ts';
import type { Rooms } from '../sync/rooms.ts';
import type { MergeOutcome } from '../sync/validated-merge.ts';
import type { Store } from '../store/store.ts';
import { holdersOf, listFactsOf, publishedFacts, refreshProjections } from './projections.ts';

export type ContentEffects = {
  /**
   * What an accepted content edit changes beyond its document: a new experiment name must reach
   * the database (search, lists) and every index that lists the experiment, and so must new
   * sample-tag values and the time of the change (lists search tags and sort by last change).
   * Runs after the edit is stored and acknowledged, outside the room's queue, so the author is
   * never kept waiting.
   */
  accepted(room: DocRoom, outcome: MergeOutcome): void;
  /**
   * The name effect runs after the acknowledgement, so a server that dies in between leaves the
   * database and the indexes with the old name while the document has the new one. When an
   * experiment document is loaded, a name that differs from the database's is published again.
   */
  loaded(room: DocRoom): Promise<void>;
  /**
   * For shutdown, before the rooms and the store close: publishes what is pending without
   * waiting out the gaps, and resolves once nothing runs. Later changes are left to `loaded`.
   */
  stop(): Promise<void>;
};

export function contentEffects(store: Store, rooms: Rooms, log: Logger): ContentEffects {
  const publisher = new FactsPublisher(store, rooms, log);
  return {
    accepted(room, outcome) {
      if (room.ref.kind !== 'experiment' || outcome.accepted.length === 0) return;
      const renamed = outcome.accepted.some((w) => w.write.root === ExperimentRoot.meta && w.write.key === 'name');
      const name = room.doc.getMap(ExperimentRoot.meta).get('name');
      publisher.changed(room.ref.experimentId, listFactsOf(room.doc, Date.now()), renamed && typeof name === 'string' ? name : null);
    },
    async loaded(room) {
      if (room.ref.kind !== 'experiment') return;
      const name = room.doc.getMap(ExperimentRoot.meta).get('name');
      const exp = await store.getExperiment(room.ref.experimentId);
      if (exp && typeof name === 'string' && name !== exp.name) publisher.changed(exp.id, null, name);
    },
    stop: () => publisher.stop(),
  };
}

/**
 * A change of time alone is republished at most this often: every holder's index is rewritten
 * on each publication, and "last change" needs no finer grain to sort by.
 */
export const FACTS_REFRESH_MS = 60_000;

/** Between two rewrites of one experiment's index entries, at least this long passes. */
export const FACTS_GAP_MS = 2_000;

type Publication = { facts: ListFacts | null; name: string | null };

/**
 * Publishes names and list facts in the background, one publication per experiment at a time
 * and at most one per `FACTS_GAP_MS`: edits arriving meanwhile are folded into the next run, so
 * a stream of tag edits to an experiment with many readers costs a rewrite of their indexes
 * every two seconds, not one per edit.
 */
class FactsPublisher {
  private readonly running = new Map<string, { next: Publication | null; done: Promise<void> }>();
  /** Ends the gap each run is waiting out, so a stop need not wait for it. */
  private readonly gaps = new Set<() => void>();
  private stopping = false;

  constructor(
    private readonly store: Store,
    private readonly rooms: Rooms,
    private readonly log: Logger,
  ) {}

  changed(id: string, facts: ListFacts | null, name: string | null): void {
    if (this.stopping) return;
    const run = this.running.get(id);
    if (run) {
      run.next = { facts: facts ?? run.next?.facts ?? null, name: name ?? run.next?.name ?? null };
      return;
    }
    const state = { next: null as Publication | null, done: Promise.resolve() };
    this.running.set(id, state);
    state.done = (async () => {
      let publication: Publication | null = { facts, name };
      while (publication) {
        if ((await this.publish(id, publication)) && !this.stopping) await this.gap(FACTS_GAP_MS);
        publication = state.next;
        state.next = null;
      }
    })()
      .catch((error: unknown) => this.log.error('content effect failed', { doc: docName.experiment(id), error: String(error) }))
      .finally(() => this.running.delete(id));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const end of this.gaps) end();
    await Promise.all([...this.running.values()].map((run) => run.done));
  }

  /** A wait that does not keep a stopping server's process alive, and that `stop` ends early. */
  private gap(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const end = () => {
        clearTimeout(timer);
        this.gaps.delete(end);
        resolve();
      };
      const timer = setTimeout(end, ms);
      timer.unref();
      this.gaps.add(end);
    });
  }

  /** True when the indexes were rewritten. */
  private async publish(id: string, { facts, name }: Publication): Promise<boolean> {
    if (name !== null) await this.store.setName(id, name);
    const exp = await this.store.getExperiment(id);
    if (!exp) return false;
    if (name === null) {
      if (!facts) return false;
      const before = await publishedFacts(this.rooms, exp.owner, id);
      const same = before !== null && sameValues(before.tagValues, facts.tagValues) && facts.changedAt - before.changedAt < FACTS_REFRESH_MS;
      if (same) return false;
    }
    await refreshProjections(this.store, this.rooms, [id], holdersOf(exp), facts ? new Map([[id, facts]]) : new Map());
    return true;
  }
}

function sameValues(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

