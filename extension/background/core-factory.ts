import type { ClientCore } from '../core/contract.ts';
import { CytoshareCore } from '../core/core.ts';
import type { ClientStore } from '../core/store.ts';

/**
 * Builds the client core for one server over the extension's store. The worker also uses the
 * core's `refresh` (pull the index, the catalog and named experiments) between pushes.
 */
export type WorkerCore = ClientCore & { refresh(experimentIds?: string[], withLists?: boolean): Promise<void> };

export async function createCore(store: ClientStore, server: string): Promise<WorkerCore> {
  return CytoshareCore.open({ store, server });
}
