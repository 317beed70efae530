import * as Y from 'yjs';
import { docName } from '../../../shared/doc-layout.ts';
import type { RunningServer } from '../../../sync-server/server.ts';

/** An experiment's document as stored: what a server reading it from its store would build. */
export async function storedDoc(server: RunningServer, id: string): Promise<Y.Doc> {
  const { updates } = await server.store.loadUpdates(docName.experiment(id));
  const doc = new Y.Doc();
  for (const u of updates) Y.applyUpdate(doc, u);
  return doc;
}
