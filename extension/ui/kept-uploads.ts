import { CytoshareDb, storePrefix } from '../core/browser-db.ts';
import { UploadQueue } from '../core/upload-queue.ts';

/**
 * The account's kept uploads, opened by the page itself: the bytes come from the page's file
 * input and a runtime message carries JSON only, so the page writes them into the account's
 * database (the same origin as the worker) and tells the worker with `uploadsChanged`.
 * Imported dynamically where only an action needs it, so Dexie is not in the popup's first load.
 */
const queues = new Map<string, UploadQueue>();

export function keptUploads(account: { server: string; username: string }): UploadQueue {
  const prefix = storePrefix(account.server, account.username);
  let queue = queues.get(prefix);
  if (!queue) {
    queue = new UploadQueue(new CytoshareDb(prefix));
    queues.set(prefix, queue);
  }
  return queue;
}
