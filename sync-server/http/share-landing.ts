import type { IncomingMessage, ServerResponse } from 'node:http';
import { AccessLevel } from '../../shared/schemas/entities.ts';
import { accessOf } from '../../shared/rules/access.ts';
import { inForce } from '../../shared/rules/expiry.ts';
import type { ShareLink, ShareLinks } from '../auth/share-links.ts';
import { sharingOf } from '../store/sharing-of.ts';
import { escapeHtml as escape } from '../mail/templates.ts';
import type { Store } from '../store/store.ts';
import { sendHtml } from './page.ts';

export type LandingDeps = { store: Store; shareLinks: ShareLinks };

/** The id the extension's content script looks for (extension/entrypoints/share-landing.content.ts). */
export const OPEN_MARKER_ID = 'cytoshare-open';

const SETTINGS_HINT =
  'To choose which mail Cytoshare sends you, open Settings from the Cytoshare button in your browser toolbar (or run: cytoshare prefs share-emails off).';

/**
 * `GET /shared?token=…`, the link of a share mail: names the experiment and the sharer, and says
 * how to open it in the extension (or install it). A forged, altered or expired token, or one
 * whose recipient can no longer read the experiment, gets one and the same page that names
 * nothing, so the page answers no question the mail did not. The token rides in the query, which
 * the server never logs (errors log the path only).
 */
export async function shareLanding(req: IncomingMessage, res: ServerResponse, deps: LandingDeps): Promise<void> {
  const token = new URL(req.url ?? '/', 'http://localhost').searchParams.get('token') ?? '';
  const link = deps.shareLinks.open(token);
  const name = link ? await readableName(deps.store, link) : null;
  if (!link || name === null) {
    sendHtml(
      res,
      404,
      'Link not valid',
      `<p>This link is not valid or has expired. Whatever was shared with you is in the Cytoshare extension: click the Cytoshare button in your browser toolbar.</p><p>${escape(SETTINGS_HINT)}</p>`,
    );
    return;
  }
  const shown = name.trim() || 'Untitled experiment';
  sendHtml(
    res,
    200,
    'Shared with you',
    [
      `<p><strong>${escape(link.sharer)}</strong> shared the experiment <strong>“${escape(shown)}”</strong> with you (${escape(link.recipient)}).</p>`,
      '<h2>Open it in Cytoshare</h2>',
      // The extension's content script turns this paragraph into a button that opens the
      // Experiment Manager at the experiment; without the extension it stays as instructions.
      `<p id="${OPEN_MARKER_ID}" data-experiment="${escape(link.experimentId)}">Click the Cytoshare button in your browser toolbar: the experiment is in your Inbox there, and in the Experiment Manager.</p>`,
      '<h2>No Cytoshare extension yet?</h2>',
      '<p>Ask whoever runs this Cytoshare server for it, or build it from the Cytoshare repository: run <code>npm start</code> (or <code>npx wxt build</code>), open <code>chrome://extensions</code>, turn on Developer mode, choose Load unpacked and pick the folder <code>.output/chrome-mv3</code> (Firefox: <code>.output/firefox-mv3</code> in <code>about:debugging</code>). Then sign in with this server’s address.</p>',
      '<h2>Mail from Cytoshare</h2>',
      `<p>${escape(SETTINGS_HINT)}</p>`,
    ].join('\n'),
  );
}

/** The experiment's name if the link's recipient (an enabled account) can still read it; null otherwise. */
async function readableName(store: Store, link: ShareLink): Promise<string | null> {
  const recipient = await store.findUser(link.recipient);
  if (!recipient || recipient.disabledAt != null) return null;
  const record = await store.getExperiment(link.experimentId);
  if (!record) return null;
  const project = record.projectId ? await store.getProject(record.projectId) : null;
  return accessOf(inForce(sharingOf(record), Date.now()), link.recipient, project) === AccessLevel.none ? null : record.name;
}
