import type * as Y from 'yjs';
import { docName } from '../../shared/doc-layout.ts';
import type { WorkerCore } from './core-factory.ts';

/**
 * The documents the cached lists are read from (the user's index and the local marks of removed
 * experiments; the public lists come from the server, uncached), watched so the list cache (list-cache.ts) is dropped on
 * any update to them, even one that arrives without a `list` change from the core. A document
 * that does not exist yet is not watched: it comes into being through a sync, which emits
 * `list` anyway. Call `watch()` before reading the list, so no update can slip in between.
 */
const REMOVED_DOC = 'local-removed';

export function watchListSources(core: WorkerCore, onUpdate: () => void): { watch(): Promise<void>; stop(): void } {
  const watched = new Set<Y.Doc>();
  const listener = () => onUpdate();
  return {
    async watch() {
      const account = core.account;
      if (!account) return;
      const names = new Set(await core.store.docNames());
      for (const name of [docName.index(account.username), REMOVED_DOC]) {
        if (!names.has(name)) continue;
        const doc = await core.store.openDoc(name);
        if (watched.has(doc)) continue;
        watched.add(doc);
        doc.on('update', listener);
        // A deleted and reopened document is a new Y.Doc: forget the old one.
        doc.once('destroy', () => watched.delete(doc));
      }
    },
    stop() {
      for (const doc of watched) doc.off('update', listener);
      watched.clear();
    },
  };
}
