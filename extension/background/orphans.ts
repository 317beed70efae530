import type { Draft } from '../core/contract.ts';
import type { WorkerCore } from './core-factory.ts';

/**
 * A safety net for one gap of live mode: when the index drops an experiment (access removed
 * while this browser was away), live mode closes that experiment's socket, and edits made to
 * it offline would stay "pending" for ever. Such drafts are orphans; one `sync()` sends them,
 * the server answers that the account no longer reads the document, and they settle as
 * rejected with that reason (and the copy is marked removed). Runs at most every few seconds.
 */
const MIN_INTERVAL_MS = 3_000;

export function orphanedExperiments(drafts: Draft[], listed: ReadonlySet<string>): string[] {
  const creating = new Set(drafts.flatMap((d) => (d.kind === 'intent' && d.state === 'pending' && d.intent.type === 'create' ? [d.experimentId] : [])));
  const out = new Set<string>();
  for (const d of drafts) {
    if (d.kind === 'edit' && d.state === 'pending' && !listed.has(d.experimentId) && !creating.has(d.experimentId)) out.add(d.experimentId);
  }
  return [...out];
}

export function createOrphanSweeper(core: WorkerCore): () => void {
  let last = 0;
  let running = false;
  let trailing: ReturnType<typeof setTimeout> | null = null;
  const sweep = (): void => {
    if (core.status() === 'offline' || !core.account) return;
    const wait = running ? MIN_INTERVAL_MS : last + MIN_INTERVAL_MS - Date.now();
    if (wait > 0) {
      // Asked too soon: run once more when allowed, so the last change is never left unchecked.
      trailing ??= setTimeout(() => {
        trailing = null;
        sweep();
      }, wait);
      return;
    }
    running = true;
    last = Date.now();
    void (async () => {
      const listed = new Set((await core.list('all')).map((row) => row.id));
      if (orphanedExperiments(await core.drafts(), listed).length > 0) await core.sync();
    })()
      .catch((error: unknown) => console.warn('cytoshare: could not settle orphaned drafts', error))
      .finally(() => {
        running = false;
      });
  };
  return sweep;
}
