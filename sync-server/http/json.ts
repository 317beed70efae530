import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { ErrorCode, describeCode } from '../../shared/codes.ts';
import { MAX_JSON_BYTES } from '../../shared/protocol/message-types.ts';
import type { ErrorBody } from '../../shared/schemas/api.ts';

/** An expected HTTP refusal: becomes `{code, message, path?}` with its status. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string = describeCode(code),
    readonly path?: string[],
  ) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, error: HttpError): void {
  const body: ErrorBody = { code: error.code, message: error.message, ...(error.path ? { path: error.path } : {}) };
  sendJson(res, error.status, body);
}

/** Reads a body of at most `limit` bytes; a larger one is refused before it is all read. */
export async function readLimited(req: IncomingMessage, limit: number): Promise<Buffer> {
  if (Number(req.headers['content-length'] ?? 0) > limit) throw new HttpError(413, ErrorCode.PAYLOAD_TOO_LARGE);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, ErrorCode.PAYLOAD_TOO_LARGE);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Reads a text body of at most MAX_JSON_BYTES. */
export async function readText(req: IncomingMessage): Promise<string> {
  return (await readLimited(req, MAX_JSON_BYTES)).toString('utf8');
}

/** Reads a JSON body of at most MAX_JSON_BYTES and parses it with `schema`. */
export async function readBody<T extends z.ZodType>(req: IncomingMessage, schema: T): Promise<z.infer<T>> {
  const text = await readText(req);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new HttpError(400, ErrorCode.BAD_REQUEST, 'the body is not JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.map(String) ?? [];
    throw new HttpError(400, ErrorCode.BAD_REQUEST, `${path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`, path);
  }
  return parsed.data;
}

export function bearerToken(req: IncomingMessage): string | null {
  const header = req.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : null;
}
