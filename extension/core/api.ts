import { z } from 'zod';
import { ErrorCode } from '../../shared/codes.ts';
import { CurationRequest, ErrorBody, PreferencesRequest, ServerInfo, Session, WhoAmI } from '../../shared/schemas/api.ts';
import { UploadResult, UploadTicket } from '../../shared/schemas/files.ts';
import { IntentResult, type Intent } from '../../shared/schemas/intents.ts';
import { CoreError, detailWords, fromServerCode, unreachable } from './errors.ts';

/**
 * The HTTP half of the server API: JSON in and out, bearer token, errors as `ErrorBody`. Every
 * failure becomes a CoreError with a code; the raw text of a network or parse failure is never
 * passed on, since it can carry URLs with tokens or server internals.
 */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

const TIMEOUT_MS = 10_000;

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
  login(username: string, password: string): Promise<Session> {
    return this.call('POST', '/api/login', Session, { username, password });
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
  sendIntent(intent: Intent): Promise<IntentResult> {
    return this.call('POST', '/api/intents', IntentResult, intent);
  }
  setPreferences(preferences: { shareEmails: boolean }): Promise<{ shareEmails: boolean }> {
    return this.call('POST', '/api/preferences', PreferencesRequest, preferences);
  }
  curationQueue(): Promise<CurationRequest[]> {
    return this.call('GET', '/api/curation-requests', z.array(CurationRequest));
  }

  /** Sends an FCS file; the server parses it and refuses a malformed one with the reason. */
  async uploadFile(experimentId: string, name: string, bytes: Uint8Array): Promise<UploadResult> {
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

  private ticketUrl(path: string, ticket: string, params: Record<string, string> = {}): string {
    const url = new URL(path, this.server);
    for (const [key, value] of Object.entries({ ...params, ticket })) url.searchParams.set(key, value);
    return url.toString();
  }

  async downloadFile(experimentId: string, fileId: string): Promise<Uint8Array> {
    const response = await this.binary('GET', `/api/experiments/${experimentId}/files/${encodeURIComponent(fileId)}`);
    return new Uint8Array(await response.arrayBuffer());
  }

  private async binary(method: string, path: string, body?: Uint8Array): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.token !== null) headers.authorization = `Bearer ${this.token}`;
    if (body) headers['content-type'] = 'application/octet-stream';
    let response: Response;
    try {
      response = await this.fetchImpl(new URL(path, this.server).toString(), { method, headers, body: body ? (body as Uint8Array<ArrayBuffer>) : null, signal: AbortSignal.timeout(120_000) });
    } catch {
      throw unreachable();
    }
    if (!response.ok) throw errorFrom(response.status, await response.text().catch(() => ''));
    return response;
  }
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
