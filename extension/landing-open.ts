import { z } from 'zod';
import { ExperimentId } from '../shared/schemas/entities.ts';

/**
 * The one message a content script may send the worker: open the Experiment Manager at the
 * experiment that the sync server's share landing page (`/shared?token=…`) names. Content
 * scripts share the extension's id with its pages, so the worker tells them apart by the
 * sender's URL and answers them this message only; it also opens nothing unless the page is on
 * the server the user is signed in to.
 */
export const OpenShared = z.strictObject({ type: z.literal('openShared'), id: ExperimentId });
export type OpenShared = z.infer<typeof OpenShared>;

/** The paragraph of the landing page that names the experiment (sync-server/http/share-landing.ts). */
export const OPEN_MARKER_ID = 'cytoshare-open';

/** Whether a runtime message came from one of the extension's own pages (not a content script). */
export function fromExtensionPage(senderUrl: string | undefined, extensionRoot: string): boolean {
  return senderUrl !== undefined && senderUrl.startsWith(extensionRoot);
}

/** The manager page's URL at `id`, if the message is an OpenShared from a page of the signed-in server. */
export function managerUrlFor(message: unknown, senderUrl: string | undefined, server: string | undefined, extensionRoot: string): string | null {
  const parsed = OpenShared.safeParse(message);
  if (!parsed.success || !senderUrl || !server) return null;
  let page: URL;
  try {
    page = new URL(senderUrl);
  } catch {
    return null;
  }
  if (page.origin !== new URL(server).origin || page.pathname !== '/shared') return null;
  return `${extensionRoot}manager.html#exp=${parsed.data.id}`;
}
