import { CytoshareCore } from '../core/core.ts';
import { LiveSync } from '../core/live-sync.ts';
import type { ClientStore } from '../core/store.ts';

/**
 * Builds the client core for one server over the extension's store, and its live mode: sockets
 * for the index, the connections and projects, and the experiments the pages show (`watch`), so edits and shares
 * flow both ways as they happen. Live mode starts only with a session and stops at sign-out.
 */
export type WorkerCore = CytoshareCore;

export async function createCore(store: ClientStore, server: string): Promise<WorkerCore> {
  return CytoshareCore.open({ store, server });
}

export type Live = { stop(): void; nudge(): void; watch(experimentId: string): () => void };

export async function startLive(core: WorkerCore): Promise<Live> {
  const live = new LiveSync(core);
  await live.start();
  return {
    stop: () => live.stop(),
    // Live mode pushes pending intents whenever the outbox changes; this replays that signal.
    nudge: () => core.emit({ type: 'drafts' }),
    // Live mode keeps sockets only for the experiments the pages show (and those with drafts).
    watch: (experimentId) => live.watch(experimentId),
  };
}
