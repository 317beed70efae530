import { z } from 'zod';
import { GroupCreated, GroupShareAnswer, GroupSummary, type GroupShareRequest } from '../../shared/schemas/groups.ts';
import { TransferList, TransferOfferAnswer, TransferSummary, type TransferRequest } from '../../shared/schemas/transfers.ts';
import { CatalogPage } from '../../shared/schemas/catalog-page.ts';
import { ErrorCode } from '../../shared/codes.ts';
import {
  AddressState,
  CurationRequest,
  EndSessionsResult,
  ErrorBody,
  PreferencesRequest,
  ServerInfo,
  Session,
  SessionInfo,
  TotpEnrolment,
  TotpRecoveryCodes,
  TotpStatus,
  WhoAmI,
} from '../../shared/schemas/api.ts';
import { UploadResult, UploadTicket } from '../../shared/schemas/files.ts';
import { DensityAnswer, type DensityQuery } from '../../shared/plot/answer.ts';
import { IntentCheckAnswer, IntentResult, type Intent, type IntentCheck } from '../../shared/schemas/intents.ts';
import { CoreError, detailWords, fromServerCode, unreachable } from './errors.ts';
import { HistoryAnswer } from '../../shared/audit/history-chain.ts';
import { ReviewLinkCreated, ReviewLinkSummary, type ReviewLinkRequest } from '../../shared/schemas/review-links.ts';

/**
 * The HTTP half of the server API: JSON in and out, bearer token, errors as `ErrorBody`. Every
 * failure becomes a CoreError with a code; the raw text of a network or parse failure is never
 * passed on, since it can carry URLs with tokens or server internals.
 */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

const TIMEOUT_MS = 10_000;
/** A file transfer with no byte moving for this long (or no answer after the last) is given up. */
const TRANSFER_IDLE_MS = 120_000;

/**
 * A file's bytes for upload: in memory, or a Blob, which on Node may be a file on disk
 * (`fs.openAsBlob`) read only as the request sends it, so a file of gigabytes is never held.
 */
export type UploadBody = Uint8Array | Blob;

export class Api {
  constructor(
    readonly server: string,
    private readonly token: string | null,
    private readonly fetchImpl: FetchLike = (input, init) => fetch(input, init),
  ) {}

  private async call<T>(method: string, path: string, schema: z.ZodType<T> | null, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.token !== null) headers.authorization = `Bearer ${this.token}`;
    let response: Response;
    try {
      response = await this.fetchImpl(new URL(path, this.server).toString(), {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch {
      throw unreachable();
    }
    const text = await response.text().catch(() => '');
    if (!response.ok) throw errorFrom(response.status, text);
    if (schema === null) return undefined as T;
    const parsed = schema.safeParse(safeJson(text));
    if (!parsed.success) throw new CoreError('internal', ErrorCode.INTERNAL, 'the server sent an answer this client does not understand');
    return parsed.data;
  }

  info(): Promise<ServerInfo> {
    return this.call('GET', '/api/info', ServerInfo);
  }
  /** `code`: the authenticator app's (or a recovery) code, for an account with two-step sign-in. */
  login(username: string, password: string, code?: string): Promise<Session> {
    return this.call('POST', '/api/login', Session, { username, password, ...(code === undefined ? {} : { code }) });
  }
  totpStatus(): Promise<TotpStatus> {
    return this.call('GET', '/api/totp', TotpStatus);
  }
  /** A new secret and its otpauth:// URI; it takes effect only once `totpConfirm` proves the app has it. */
  totpEnable(password: string): Promise<TotpEnrolment> {
    return this.call('POST', '/api/totp/enable', TotpEnrolment, { password });
  }
  /** Switches two-step sign-in on; the answer holds the recovery codes, shown this once. */
  totpConfirm(code: string): Promise<{ recoveryCodes: string[] }> {
    return this.call('POST', '/api/totp/confirm', TotpRecoveryCodes, { code });
  }
  totpDisable(password: string, code: string): Promise<{ enabled: boolean }> {
    return this.call('POST', '/api/totp/disable', z.strictObject({ enabled: z.boolean() }), { password, code });
  }
  signup(username: string, email: string, password: string): Promise<Session> {
    return this.call('POST', '/api/signup', Session, { username, email, password });
  }
  logout(): Promise<void> {
    return this.call('POST', '/api/logout', null);
  }
  whoami(): Promise<WhoAmI> {
    return this.call('GET', '/api/whoami', WhoAmI);
  }
  changePassword(currentPassword: string, newPassword: string): Promise<{ endedSessions: number }> {
    return this.call('POST', '/api/password', z.strictObject({ endedSessions: z.number().int().nonnegative() }), { currentPassword, newPassword });
  }
  sessions(): Promise<SessionInfo[]> {
    return this.call('GET', '/api/sessions', z.array(SessionInfo));
  }
  /** Ends one of the caller's sessions by its public id, or all but the caller's. */
  endSessions(which: { id: string } | { others: true }): Promise<{ ended: number }> {
    return this.call('POST', '/api/sessions/end', EndSessionsResult, which);
  }
  /** Proves the pending address with the code mailed to it. */
  verifyEmail(code: string): Promise<AddressState> {
    return this.call('POST', '/api/verify', AddressState, { code });
  }
  /** Asks for a new address; the old one stays until the code mailed to the new one comes back. */
  changeEmail(email: string): Promise<AddressState> {
    return this.call('POST', '/api/email', AddressState, { email });
  }
  sendIntent(intent: Intent): Promise<IntentResult> {
    return this.call('POST', '/api/intents', IntentResult, intent);
  }
  /** A dry run: the verdicts the server would give these intents now; nothing is applied. */
  checkIntents(intents: IntentCheck[]): Promise<IntentCheckAnswer> {
    return this.call('POST', '/api/intents/check', IntentCheckAnswer, { intents });
  }
  setPreferences(preferences: { shareEmails: boolean }): Promise<{ shareEmails: boolean }> {
    return this.call('POST', '/api/preferences', PreferencesRequest, preferences);
  }
  /** One page of the public catalog (GET /api/catalog); `after`: the `next` of the previous page. */
  catalogPage(query: { filter: 'public' | 'curated'; search?: string | undefined; after?: string | null | undefined; limit: number }): Promise<CatalogPage> {
    const params = new URLSearchParams({ filter: query.filter, limit: String(query.limit) });
    if (query.search) params.set('search', query.search);
    if (query.after) params.set('after', query.after);
    return this.call('GET', `/api/catalog?${params.toString()}`, CatalogPage);
  }
  curationQueue(): Promise<CurationRequest[]> {
    return this.call('GET', '/api/curation-requests', z.array(CurationRequest));
  }

  createReviewLink(experimentId: string, request: ReviewLinkRequest): Promise<ReviewLinkCreated> {
    return this.call('POST', `/api/experiments/${experimentId}/review-links`, ReviewLinkCreated, request);
  }
  reviewLinks(experimentId: string): Promise<ReviewLinkSummary[]> {
    return this.call('GET', `/api/experiments/${experimentId}/review-links`, z.array(ReviewLinkSummary));
  }
  /**
   * The experiment's whole sharing history, oldest first, with the server's own check of its
   * chain: the pages the server answers (limits.historyEntriesPerAnswer each), joined. Each page
   * carries the server's check of that page's links (and of what it checked before), so the
   * joined check is the earliest broken entry any page names, else the first page's.
   */
  async history(experimentId: string): Promise<HistoryAnswer> {
    const first = await this.call('GET', `/api/experiments/${experimentId}/audit?verify=1`, HistoryAnswer);
    const entries = [...first.entries];
    let verification = first.verification;
    for (let next = first.next ?? null; next !== null; ) {
      const page = await this.call('GET', `/api/experiments/${experimentId}/audit?after=${next}`, HistoryAnswer);
      // Each page must move on, or a faulty server could keep this loop going for ever.
      const last = page.entries.at(-1)?.seq;
      if (last === undefined || last <= next) break;
      entries.push(...page.entries);
      if (!page.verification.intact && (verification.intact || page.verification.seq < verification.seq)) verification = page.verification;
      next = page.next ?? null;
    }
    return { experimentId: first.experimentId, entries, verification };
  }
  // Groups (sync-server/http/group-routes.ts)
  groups(): Promise<GroupSummary[]> {
    return this.call('GET', '/api/groups', z.array(GroupSummary));
  }
  createGroup(name: string): Promise<{ id: string }> {
    return this.call('POST', '/api/groups', GroupCreated, { name });
  }
  group(id: string): Promise<GroupSummary> {
    return this.call('GET', `/api/groups/${encodeURIComponent(id)}`, GroupSummary);
  }
  groupMember(id: string, user: string, remove: boolean): Promise<GroupSummary> {
    return this.call('POST', `/api/groups/${encodeURIComponent(id)}/members`, GroupSummary, { user, ...(remove ? { remove } : {}) });
  }
  deleteGroup(id: string): Promise<void> {
    return this.call('DELETE', `/api/groups/${encodeURIComponent(id)}`, null);
  }
  shareWithGroup(request: GroupShareRequest): Promise<GroupShareAnswer> {
    return this.call('POST', '/api/groups/share', GroupShareAnswer, request);
  }
  // Transfers of ownership (sync-server/http/transfer-routes.ts)
  transfers(): Promise<TransferList> {
    return this.call('GET', '/api/transfers', TransferList);
  }
  offerTransfer(request: TransferRequest): Promise<TransferOfferAnswer> {
    return this.call('POST', '/api/transfers', TransferOfferAnswer, request);
  }
  answerTransfer(id: string, answer: 'accept' | 'decline' | 'cancel'): Promise<TransferSummary> {
    return this.call('POST', `/api/transfers/${encodeURIComponent(id)}/${answer}`, TransferSummary);
  }
  revokeReviewLink(experimentId: string, linkId: string): Promise<void> {
    return this.call('DELETE', `/api/experiments/${experimentId}/review-links/${encodeURIComponent(linkId)}`, null);
  }

  /** Sends an FCS file; the server parses it and refuses a malformed one with the reason. */
  async uploadFile(experimentId: string, name: string, bytes: UploadBody): Promise<UploadResult> {
    const response = await this.binary('PUT', `/api/experiments/${experimentId}/files?name=${encodeURIComponent(name)}`, bytes);
    const parsed = UploadResult.safeParse(safeJson(await response.text()));
    if (!parsed.success) throw new CoreError('internal', ErrorCode.INTERNAL, 'the server sent an answer this client does not understand');
    return parsed.data;
  }

  /** A one-time URL to PUT one file's bytes to, into this experiment, without the token. */
  async uploadTicket(experimentId: string, name: string): Promise<{ url: string; expiresAt: number }> {
    const { ticket, expiresAt } = await this.call('POST', `/api/experiments/${experimentId}/upload-ticket`, UploadTicket);
    return { url: this.ticketUrl(`/api/experiments/${experimentId}/files`, ticket, { name }), expiresAt };
  }

  /** A one-time URL from which one file can be fetched without the token. */
  async downloadTicket(experimentId: string, fileId: string): Promise<{ url: string; expiresAt: number }> {
    const path = `/api/experiments/${experimentId}/files/${encodeURIComponent(fileId)}`;
    const { ticket, expiresAt } = await this.call('POST', `${path}/download-ticket`, UploadTicket);
    return { url: this.ticketUrl(path, ticket), expiresAt };
  }

  /** A binned histogram of two channels of one file, with per-gate counts (never the events). */
  density(experimentId: string, fileId: string, q: DensityQuery): Promise<DensityAnswer> {
    const params = new URLSearchParams({ x: q.x, y: q.y, bins: String(q.bins), scale: q.scale, cofactor: String(q.cofactor) });
    return this.call('GET', `/api/experiments/${experimentId}/files/${encodeURIComponent(fileId)}/density?${params}`, DensityAnswer);
  }

  private ticketUrl(path: string, ticket: string, params: Record<string, string> = {}): string {
    const url = new URL(path, this.server);
    for (const [key, value] of Object.entries({ ...params, ticket })) url.searchParams.set(key, value);
    return url.toString();
  }

  async downloadFile(experimentId: string, fileId: string): Promise<Uint8Array> {
    const response = await this.binary('GET', `/api/experiments/${experimentId}/files/${encodeURIComponent(fileId)}`);
    return new Uint8Array(await response.arrayBuffer());
  }

  /** A file's bytes as they arrive, for a caller that writes them to disk rather than holding them. */
  async downloadFileStream(experimentId: string, fileId: string): Promise<ReadableStream<Uint8Array>> {
    const response = await this.binary('GET', `/api/experiments/${experimentId}/files/${encodeURIComponent(fileId)}`);
    if (!response.body) throw new CoreError('internal', ErrorCode.INTERNAL, 'the server sent no file');
    return response.body;
  }

  /**
   * A file transfer. Its clock is an idle one (TRANSFER_IDLE_MS without a byte taken or given,
   * or without an answer), not a total: a file of gigabytes takes as long as it takes. A Blob
   * body is sent as a stream with its size as Content-Length, so the server can refuse one too
   * large before it is sent.
   */
  private async binary(method: string, path: string, body?: UploadBody): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.token !== null) headers.authorization = `Bearer ${this.token}`;
    if (body) headers['content-type'] = 'application/octet-stream';
    const idle = idleAbort(TRANSFER_IDLE_MS);
    let sent: BodyInit | null = null;
    const init: RequestInit & { duplex?: 'half' } = { method, headers, signal: idle.signal };
    if (body instanceof Blob) {
      headers['content-length'] = String(body.size);
      sent = meteredStream(body.stream(), idle.touch);
      init.duplex = 'half';
    } else if (body) sent = body as Uint8Array<ArrayBuffer>;
    init.body = sent;
    let response: Response;
    try {
      response = await this.fetchImpl(new URL(path, this.server).toString(), init);
    } catch {
      idle.stop();
      throw unreachable();
    }
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      idle.stop();
      throw errorFrom(response.status, text);
    }
    if (!response.body) {
      idle.stop();
      return response;
    }
    // The answer's body keeps the idle clock running until it is read to the end.
    const metered = meteredStream(response.body, idle.touch, idle.stop);
    return new Response(metered, { status: response.status, statusText: response.statusText, headers: response.headers });
  }
}

/** An AbortSignal that fires after `ms` without a `touch`. Timers are re-armed (no `refresh` in browsers). */
function idleAbort(ms: number): { signal: AbortSignal; touch: () => void; stop: () => void } {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | null = null;
  const stop = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };
  const touch = () => {
    stop();
    timer = setTimeout(() => controller.abort(), ms);
  };
  touch();
  return { signal: controller.signal, touch, stop };
}

/** `source` passed on chunk by chunk, calling `onChunk` at each and `onEnd` at its end or cancel. */
function meteredStream(source: ReadableStream<Uint8Array>, onChunk: () => void, onEnd: () => void = () => undefined): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        onChunk();
        try {
          const next = await reader.read();
          if (next.done) {
            onEnd();
            controller.close();
          } else controller.enqueue(next.value);
        } catch (error) {
          onEnd();
          controller.error(error);
        }
      },
      cancel(reason) {
        onEnd();
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorFrom(status: number, text: string): CoreError {
  const body = ErrorBody.safeParse(safeJson(text));
  if (body.success) return fromServerCode(body.data.code, body.data.message, detailWords(body.data.message, body.data.detail));
  if (status === 401) return fromServerCode(ErrorCode.NOT_SIGNED_IN, 'not signed in');
  if (status === 413) return fromServerCode(ErrorCode.PAYLOAD_TOO_LARGE, 'too large');
  return new CoreError('internal', ErrorCode.INTERNAL, `the server answered ${status}`);
}

/** The WebSocket base URL for documents: the same host, `ws(s)://…/sync`. */
export function syncUrl(server: string): string {
  const url = new URL('/sync', server);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString().replace(/\/$/, '');
}
