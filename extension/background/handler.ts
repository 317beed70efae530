import { ErrorCode } from '../../shared/codes.ts';
import type { SharingState } from '../../shared/schemas/entities.ts';
import { familyOf } from '../../shared/rules/family.ts';
import type { ExperimentRow } from '../core/contract.ts';
import { Request, type Envelope, type Notice, type ResponseOf } from '../messages.ts';
import { compareRows } from '../core/list-order.ts';
import { accountHandlers } from './account-handlers.ts';
import { experimentHandlers } from './experiment-handlers.ts';
import { coded, type HandlerCore, type Handlers } from './handler-types.ts';
import { inboxOf, inboxRows } from './inbox-rows.ts';
import { intentHandlers, redo } from './intent-handlers.ts';
import type { ListQuery } from './list-cache.ts';
import type { PendingUpload } from '../core/upload-queue.ts';

export type { HandlerCore, Handlers };

/**
 * Answers the pages' requests with the client core. Parses every request first (a page is
 * code we ship, but a message is still input), and turns every failure into a code: the
 * core's own (`RuleRefusal`, `CoreError`) or BAD_REQUEST / INTERNAL, never raw exception text.
 * Intents are answered from the intent table (intent-handlers.ts); the settings page's requests
 * by account-handlers.ts; projects, files, history and groups by experiment-handlers.ts.
 */
export type HandlerContext = {
  /** The core of the signed-in account; null when nobody is signed in. */
  core: () => Promise<HandlerCore | null>;
  /** The server's mode, from the stored session. */
  mode(): Promise<'premium' | 'enterprise' | null>;
  /** Signs in: replaces the core's session (the worker may need a new core for a new server). */
  login(server: string, username: string, password: string, code?: string): Promise<ResponseOf<'login'>>;
  /** Pulls one experiment from the server, when a request names one the replica lacks yet. */
  fetchExperiment?(id: string): Promise<void>;
  /** "Sync now": in live mode, nudges the live sync instead of a second, competing push. */
  syncNow?(): Promise<void>;
  /** The Inbox count the worker keeps for the badge; counted afresh when absent. */
  inboxCount?(): Promise<number>;
  /** The list from the worker's cache (list-cache.ts); computed by the core each time when absent. */
  list?(query: ListQuery): Promise<ExperimentRow[]>;
  /** The FCS files kept in this browser until the server takes them; none when absent. */
  uploads?(): Promise<PendingUpload[]>;
  notices: Notice[];
  onNoticesChanged(): void;
};

/** Rows of the public lists the manager shows; search narrows them on the server. */
const CATALOG_LIST_ROWS = 500;

/** Without a cache, the core computes the list and the query narrows and orders it. */
async function listOf(core: HandlerCore, query: ListQuery, most?: number): Promise<ExperimentRow[]> {
  const rows = await core.list(query.filter, query.search || undefined, most);
  const wanted = query.ids ? new Set(query.ids) : null;
  const kept = rows.filter((row) => (!wanted || wanted.has(row.id)) && (query.projectId === undefined || row.projectId === query.projectId));
  return query.sort ? kept.sort(compareRows(query.sort)) : kept;
}

/** Pages search through the worker; the tag values would only lengthen every answer. */
function withoutTagValues({ tagValues: _tagValues, ...row }: ExperimentRow): ExperimentRow {
  return row;
}

export function createHandler(ctx: HandlerContext): (raw: unknown) => Promise<Envelope> {
  // The public lists come from the server a page at a time, searched there: never cached whole.
  const list = (core: HandlerCore, query: ListQuery, most?: number) =>
    ctx.list && query.filter !== 'public' && query.filter !== 'curated' ? ctx.list(query) : listOf(core, query, most);
  const handlers: Handlers = {
    ...intentHandlers,
    ...experimentHandlers,
    ...accountHandlers,
    state: async (_req, core) => {
      const drafts = core.account ? await core.drafts() : [];
      const inbox = core.account ? await (ctx.inboxCount?.() ?? list(core, { filter: 'all' }).then((rows) => inboxOf(rows).length)) : 0;
      const uploads = core.account ? ((await ctx.uploads?.()) ?? []) : [];
      return { account: core.account, mode: core.account ? await ctx.mode() : null, status: core.status(), drafts, inbox, notices: [...ctx.notices], sending: core.sending(), uploads };
    },
    login: (req) => ctx.login(req.server, req.username, req.password, req.code),
    logout: async (_req, core) => {
      await core.logout();
      ctx.notices.length = 0;
      return null;
    },
    list: async (req, core) => {
      const rows = await list(core, { filter: req.filter, search: req.search, ids: req.ids, projectId: req.projectId, sort: req.sort }, req.limit === undefined ? CATALOG_LIST_ROWS : req.limit + 1);
      return { rows: (req.limit === undefined ? rows : rows.slice(0, req.limit)).map(withoutTagValues), total: rows.length };
    },
    inbox: async (req, core) => {
      const rows = await inboxRows((query) => list(core, query));
      return (req.limit === undefined ? rows : rows.slice(0, req.limit)).map(withoutTagValues);
    },
    show: async (req, core) => {
      const view = await core.show(req.id, { why: true });
      // Live mode syncs only the experiments the pages show, so the replica may lack the family's
      // other documents; the index lists every experiment with its parent, so it completes them.
      const rows = await list(core, { filter: 'all' });
      const links = new Map<string, SharingState>(rows.map((row) => [row.id, row as unknown as SharingState]));
      if (!links.has(view.id)) links.set(view.id, view as unknown as SharingState);
      const family = new Set([...view.family, ...familyOf(view.id, links).filter((id) => id !== view.id)]);
      return { ...view, family: [...family].sort() };
    },
    showAs: (req, core) => core.showAs(req.id, req.user),
    sharePeople: async (_req, core) => ({ people: await core.sharePeople(), waiting: (await ctx.mode()) === 'premium' ? await core.waitingShares() : [] }),
    rename: (req, core) => core.rename(req.id, req.name),
    setTag: (req, core) => core.setTag(req.id, req.file, req.dimension, req.value),
    setPurpose: (req, core) => core.setPurpose(req.id, req.purpose),
    addGate: (req, core) => core.addGate(req.id, req.gate),
    setGate: (req, core) => core.setGate(req.id, req.gateId, req.gate),
    removeGate: (req, core) => core.removeGate(req.id, req.gateId),
    addFigure: (req, core) => core.addFigure(req.id, req.figure),
    setFigure: (req, core) => core.setFigure(req.id, req.figureId, req.figure),
    removeFigure: (req, core) => core.removeFigure(req.id, req.figureId),
    dismiss: async (req, core) => {
      await core.dismiss(req.draftId);
      return null;
    },
    retry: async (req, core) => {
      const draft = (await core.drafts()).find((d) => d.id === req.draftId);
      if (!draft) throw coded(ErrorCode.BAD_REQUEST, 'no such draft');
      const again = await redo(draft, core);
      await core.dismiss(draft.id);
      return again;
    },
    dismissNotice: async (req) => {
      const at = ctx.notices.findIndex((n) => n.id === req.id);
      if (at >= 0) ctx.notices.splice(at, 1);
      ctx.onNoticesChanged();
      return null;
    },
    connections: async (_req, core) => ((await ctx.mode()) === 'premium' ? core.connections() : []),
    uploadsChanged: async (_req, core) => {
      core.emit({ type: 'drafts' });
      return null;
    },
    sync: async (_req, core) => {
      if (ctx.syncNow) await ctx.syncNow();
      else await core.sync();
      return null;
    },
  };

  return async (raw) => {
    const parsed = Request.safeParse(raw);
    if (!parsed.success) return { ok: false, code: ErrorCode.BAD_REQUEST, message: parsed.error.issues[0]?.message ?? 'bad request' };
    try {
      // The intent requests' schemas are derived from the intent table; `Request` declares their type.
      const req = parsed.data as Request;
      if (req.type === 'login') return { ok: true, value: await ctx.login(req.server, req.username, req.password, req.code) };
      const core = await ctx.core();
      if (core === null) return signedOut(req);
      const handler = handlers[req.type] as (req: Request, core: HandlerCore) => Promise<unknown>;
      try {
        return { ok: true, value: (await handler(req, core)) ?? null };
      } catch (error) {
        // The list can name an experiment whose document has not arrived yet: fetch it, try once more.
        const code = (error as { code?: unknown }).code;
        if (!('id' in req) || !ctx.fetchExperiment || (code !== ErrorCode.UNKNOWN_EXPERIMENT && code !== ErrorCode.NOT_FETCHED)) throw error;
        await ctx.fetchExperiment(req.id);
        return { ok: true, value: (await handler(req, core)) ?? null };
      }
    } catch (error) {
      return toRefusal(error);
    }
  };
}

const signedOutState: ResponseOf<'state'> = { account: null, mode: null, status: 'signed-out', drafts: [], inbox: 0, notices: [], sending: [], uploads: [] };

function signedOut(req: Request): Envelope {
  if (req.type === 'state') return { ok: true, value: signedOutState };
  return { ok: false, code: ErrorCode.NOT_SIGNED_IN, message: 'not signed in' };
}

const knownCodes: ReadonlySet<string> = new Set(Object.values(ErrorCode));

export function toRefusal(error: unknown): Envelope {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && knownCodes.has(code)) {
    const message = error instanceof Error ? error.message : code;
    return { ok: false, code, message };
  }
  console.error('cytoshare: request failed', error);
  return { ok: false, code: ErrorCode.INTERNAL, message: 'the request failed' };
}
