import type { Store } from '../store/store.ts';

/**
 * Which account each Yjs client id belongs to. A client id is claimed by the first account
 * that writes with it; afterwards a struct under that id from any other account is a forgery.
 * Owners are cached: the lookup sits on the path of every update.
 */
export class ClientRegistry {
  private readonly owners = new Map<number, string>();

  constructor(private readonly store: Store) {}

  /** True when every id of `clientIds` is already known to belong to `username`: nothing to claim or look up. */
  ownsAll(clientIds: number[], username: string): boolean {
    for (const id of clientIds) if (this.owners.get(id) !== username) return false;
    return true;
  }

  /**
   * Claims for `username` every id of `clientIds` nobody owns yet, unless some belong to
   * another account: then nothing is claimed and those ids are returned. Checking and claiming
   * happen with no await between them, so two sockets cannot both take one new id.
   */
  async claim(clientIds: number[], username: string): Promise<number[]> {
    const unknown = clientIds.filter((id) => !this.owners.has(id));
    if (unknown.length > 0) {
      for (const [id, owner] of await this.store.clientOwners(unknown)) if (!this.owners.has(id)) this.owners.set(id, owner);
    }
    const foreign = clientIds.filter((id) => {
      const owner = this.owners.get(id);
      return owner !== undefined && owner !== username;
    });
    if (foreign.length > 0) return foreign;
    const fresh = clientIds.filter((id) => !this.owners.has(id));
    if (fresh.length === 0) return [];
    for (const id of fresh) this.owners.set(id, username);
    await this.store.registerClients(fresh, username);
    return [];
  }
}

/** The pseudo-account that owns the server's own client ids; no username can take this form. */
export const SERVER_ACCOUNT = '@server';
