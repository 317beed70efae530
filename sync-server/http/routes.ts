import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '../../shared/codes.ts';
import { PROTOCOL_VERSION } from '../../shared/protocol/message-types.ts';
import { EmailChangeRequest, PreferencesRequest, VerifyRequest, type AddressState, type WhoAmI } from '../../shared/schemas/api.ts';
import { ProofRefused } from '../auth/email-proof.ts';
import { sendPage } from './page.ts';
import { shareLanding } from './share-landing.ts';
import { handleFileRoute } from './file-routes.ts';
import { Intent, IntentCheckRequest, type IntentCheckAnswer } from '../../shared/schemas/intents.ts';
import { mustEnrolTotp } from '../auth/sessions.ts';
import { accountRoutes } from './account-routes.ts';
import { signedIn } from './signed-in.ts';
import { totpRoutes } from './totp-routes.ts';
import { handleReviewLinkApi, handleReviewPage } from './review-links.ts';
import { handleHistoryApi } from './history-route.ts';
import { handleGroupApi } from './group-routes.ts';
import { handleTransferApi } from './transfer-routes.ts';
import { sendCatalogPage } from './catalog-route.ts';
import { ExperimentId } from '../../shared/schemas/entities.ts';
import { HttpError, readBody, readText, sendError, sendJson } from './json.ts';
import type { HttpDeps, HttpRoute } from './http-deps.ts';

export type { HttpDeps };

/**
 * The HTTP API: accounts and sessions (account-routes.ts), preferences and sharing intents.
 * Documents themselves travel over the WebSocket. Bodies are strict zod schemas; every refusal is `{code, message}` with a status.
 */
const routes: Record<string, HttpRoute> = {
  'GET /api/info': async (_req, res, deps) => sendJson(res, 200, { name: 'cytoshare', protocol: PROTOCOL_VERSION, mode: deps.mode() }),

  ...accountRoutes,
  ...totpRoutes,

  'GET /api/whoami': async (req, res, deps) => {
    const { actor } = await signedIn(req, deps.store, 'enrolment');
    const user = await deps.store.findUser(actor.username);
    const body: WhoAmI = {
      username: actor.username,
      email: user?.email ?? '',
      staff: actor.staff,
      mode: deps.mode(),
      shareEmails: await deps.store.shareEmailsEnabled(actor.username),
      emailVerified: (user?.email ?? '') !== '',
      pendingEmail: (await deps.store.emailClaimOf(actor.username))?.email ?? null,
      totpEnrolmentRequired: await mustEnrolTotp(deps.store, actor.username),
    };
    sendJson(res, 200, body);
  },

  'POST /api/verify': async (req, res, deps) => {
    const { actor } = await signedIn(req, deps.store);
    const { code } = await readBody(req, VerifyRequest);
    sendJson(res, 200, addressState(await proving(() => deps.proofs.proveCode(actor.username, code))));
  },

  'POST /api/email': async (req, res, deps) => {
    const { actor } = await signedIn(req, deps.store);
    const { email } = await readBody(req, EmailChangeRequest);
    sendJson(res, 200, addressState(await proving(() => deps.proofs.claim(actor.username, email))));
  },

  // The link of a verification mail: the page asks, its button proves (mail scanners open links).
  'GET /verify': async (req, res, deps) => {
    const token = new URL(req.url ?? '/', 'http://localhost').searchParams.get('token') ?? '';
    const outcome = await deps.proofs.byLink(token, false);
    if (outcome.confirm) sendPage(res, 200, 'Confirm your address', outcome.message, { action: '/verify', token, label: 'Confirm' });
    else sendPage(res, outcome.status, 'Nothing changed', outcome.message);
  },

  'POST /verify': async (req, res, deps) => {
    const token = new URLSearchParams(await readText(req)).get('token') ?? '';
    const outcome = await deps.proofs.byLink(token, true);
    sendPage(res, outcome.status, outcome.status === 200 ? 'Address confirmed' : 'Nothing changed', outcome.message);
  },

  'GET /api/curation-requests': async (req, res, deps) => {
    const { actor } = await signedIn(req, deps.store);
    if (!actor.staff) throw new HttpError(403, ErrorCode.STAFF_ONLY);
    sendJson(res, 200, await deps.store.curationQueue());
  },

  'GET /api/catalog': async (req, res, deps) => {
    await signedIn(req, deps.store);
    await sendCatalogPage(req, res, deps.store, deps.limits.catalogPageRows);
  },

  'POST /api/preferences': async (req, res, deps) => {
    const { actor } = await signedIn(req, deps.store);
    const body = await readBody(req, PreferencesRequest);
    await deps.store.setShareEmails(actor.username, body.shareEmails);
    sendJson(res, 200, body);
  },

  // The accept and reject links of a connection-request mail: one use each, then expired.
  'GET /connections/respond': async (req, res, deps) => {
    const token = new URL(req.url ?? '/', 'http://localhost').searchParams.get('token') ?? '';
    const outcome = await deps.connections.respondByLink(token, false);
    if (outcome.confirm) {
      const label = outcome.confirm === 'accept' ? 'Accept' : 'Decline';
      sendPage(res, 200, 'Connection request', outcome.message, { action: '/connections/respond', token, label });
    } else {
      sendPage(res, outcome.status, 'Nothing changed', outcome.message);
    }
  },

  'POST /connections/respond': async (req, res, deps) => {
    const token = new URLSearchParams(await readText(req)).get('token') ?? '';
    // In the intents' turn: accepting may carry out shares that wait for this connection.
    const outcome = await deps.intents.exclusive(() => deps.connections.respondByLink(token, true));
    sendPage(res, outcome.status, outcome.status === 200 ? 'Done' : 'Nothing changed', outcome.message);
  },

  'GET /shared': (req, res, deps) => shareLanding(req, res, deps),

  // Share mail sent before share links: one page that names nothing.
  'GET /experiments': async (_req, res) =>
    sendPage(res, 200, 'Open Cytoshare', 'Open the Cytoshare extension from your browser toolbar to see this experiment.'),

  'POST /api/intents': async (req, res, deps) => {
    const { actor } = await signedIn(req, deps.store);
    const intent = await readBody(req, Intent);
    sendJson(res, 200, await deps.intents.execute(actor, intent));
  },

  // A dry run: the verdicts these intents would get now, nothing applied or recorded.
  'POST /api/intents/check': async (req, res, deps) => {
    const { actor } = await signedIn(req, deps.store);
    const { intents } = await readBody(req, IntentCheckRequest);
    const most = deps.limits.intentChecksPerRequest;
    if (intents.length > most) throw new HttpError(413, ErrorCode.PAYLOAD_TOO_LARGE, `at most ${most} intents per check`);
    const answer: IntentCheckAnswer = { verdicts: await deps.intents.check(actor, intents) };
    sendJson(res, 200, answer);
  },
};

async function proving<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ProofRefused) throw new HttpError(error.status, error.code, error.message);
    throw error;
  }
}

const addressState = (s: { email: string; pendingEmail: string | null }): AddressState => ({ ...s, emailVerified: s.email !== '' });

/** Extension pages call from their own origin; tokens travel in a header, never a cookie. */
const cors = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'authorization, content-type',
  'access-control-allow-methods': 'GET, POST, PUT, DELETE, OPTIONS',
};

/** The segments of `full` below `mount` (the mount itself, with or without its slash: none), or null for a path outside it. */
function below(full: string, mount: string): string[] | null {
  if (full !== mount && !full.startsWith(`${mount}/`)) return null;
  const rest = full.slice(mount.length + 1);
  return rest === '' ? [] : rest.split('/');
}

/** Routes that take the rest of the path as arguments. */
function prefixRoute(full: string): HttpRoute | undefined {
  if (full.startsWith('/review/')) return (rq, rs, d) => handleReviewPage(rq, rs, d, full.slice('/review/'.length).split('/'));
  const groups = below(full, '/api/groups');
  if (groups) return (rq, rs, d) => handleGroupApi(rq, rs, d, groups);
  const transfers = below(full, '/api/transfers');
  if (transfers) return (rq, rs, d) => handleTransferApi(rq, rs, d, transfers);
  if (!full.startsWith('/api/experiments/')) return undefined;
  const parts = full.slice('/api/experiments/'.length).split('/');
  const [experimentId = '', kind, ...rest] = parts;
  if (kind === 'review-links' && ExperimentId.safeParse(experimentId).success) return (rq, rs, d) => handleReviewLinkApi(rq, rs, d, parts);
  if (kind === 'audit' && rest.length === 0 && ExperimentId.safeParse(experimentId).success) return (rq, rs, d) => handleHistoryApi(rq, rs, d.store, experimentId, d.limits.historyEntriesPerAnswer);
  return (rq, rs, d) => handleFileRoute(rq, rs, d, parts);
}

export function handleHttp(req: IncomingMessage, res: ServerResponse, deps: HttpDeps): void {
  for (const [name, value] of Object.entries(cors)) res.setHeader(name, value);
  if (req.method === 'OPTIONS') {
    res.writeHead(204).end();
    return;
  }
  const full = new URL(req.url ?? '/', 'http://localhost').pathname;
  // `/experiments/<id>` links from share mail all land on one page; a reviewer page's path
  // holds its secret, which no log line may show.
  const path = full.startsWith('/experiments/') ? '/experiments' : full.startsWith('/review/') ? '/review' : full;
  const route: HttpRoute | undefined = prefixRoute(full) ?? routes[`${req.method} ${path}`];
  if (!route) {
    sendError(res, new HttpError(404, ErrorCode.BAD_REQUEST, 'no such endpoint'));
    return;
  }
  route(req, res, deps).catch((error: unknown) => {
    if (error instanceof HttpError) {
      sendError(res, error);
      return;
    }
    deps.log.error('request failed', { route: `${req.method} ${path}`, error: String(error) });
    if (!res.headersSent) sendError(res, new HttpError(500, ErrorCode.INTERNAL));
  });
}
