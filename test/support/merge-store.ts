import type { Store } from '../../sync-server/store/store.ts';

/**
 * The few store calls a room's validated merge makes (append, compact, client-id owners), kept
 * in memory: for tests and benches that drive `mergeClientUpdate` without a database.
 */
export function mergeOnlyStore(): Store {
  let seq = 0;
  const owners = new Map<number, string>();
  return {
    appendUpdate: async () => ++seq,
    compact: async () => undefined,
    clientOwners: async (ids: number[]) => new Map(ids.filter((id) => owners.has(id)).map((id) => [id, owners.get(id)!])),
    registerClients: async (ids: number[], username: string) => {
      for (const id of ids) owners.set(id, username);
    },
  } as unknown as Store;
}
