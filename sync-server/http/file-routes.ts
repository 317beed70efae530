import type { IncomingMessage, ServerResponse } from 'node:http';
import { signedIn } from './signed-in.ts';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { ErrorCode } from '../../shared/codes.ts';
import type * as Y from 'yjs';
import { docName, ExperimentRoot, FileRecord, fileNames, readContent } from '../../shared/doc-layout.ts';
import { DensityQuery, gateSpec } from '../../shared/plot/answer.ts';
import type { FcsError, FcsFile } from '../../shared/fcs/index.ts';
import { checkNewFileName } from '../../shared/rules/files.ts';
import { can, Capability } from '../../shared/rules/access.ts';
import { inForce } from '../../shared/rules/expiry.ts';
import type { Actor, SharingState } from '../../shared/schemas/entities.ts';
import { ExperimentId } from '../../shared/schemas/entities.ts';
import { FileName, type UploadResult } from '../../shared/schemas/files.ts';
import type { ProjectState } from '../../shared/schemas/project.ts';
import { authenticateHash, refusalStatus } from '../auth/sessions.ts';
import { sharingOf } from '../store/sharing-of.ts';
import type { Blobs } from '../files/blobs.ts';
import { densityOfBlob, type DensityCache } from '../files/density.ts';
import type { TicketBook, TicketPurpose } from '../files/file-tickets.ts';
import type { UploadSlots } from '../files/upload-slots.ts';
import type { ServerLimits } from '../limits.ts';
import type { Rooms } from '../sync/rooms.ts';
import type { Store } from '../store/store.ts';
import { pipeline } from 'node:stream/promises';
import { contentDisposition } from './content-disposition.ts';
import { HttpError, sendJson } from './json.ts';
import { declaredLength, parseReceived, receiveUpload } from './upload-body.ts';
import { drainRefusedBody } from './refused-body-drain.ts';

/** Density plots: answers kept, and the account slots of reads in progress (limits.densityReadsPerAccount). */
export type PlotDeps = { cache: DensityCache; reading: UploadSlots };
export type FileDeps = { store: Store; rooms: Rooms; blobs: Blobs; tickets: TicketBook; uploads: UploadSlots; plots: PlotDeps; limits: ServerLimits };

/**
 * FCS files over HTTP, with the session token:
 *   PUT  /api/experiments/<id>/files?name=NAME   body: the file's bytes → UploadResult
 *   GET  /api/experiments/<id>/files/<fileId>     → the bytes
 *   POST /api/experiments/<id>/upload-ticket      → { ticket, expiresAt }: one upload without
 *        the session token (`PUT …/files?name=NAME&ticket=T`), for pages that show progress
 *   POST /api/experiments/<id>/files/<fileId>/download-ticket → { ticket, expiresAt }: one
 *        download without the token (`GET …/files/<fileId>?ticket=T`), streamed by the browser
 *   GET  /api/experiments/<id>/files/<fileId>/density?x=CH&y=CH&bins=N&scale=lin|log|asinh[&cofactor=C]
 *        → DensityAnswer (shared/plot/answer.ts): a binned histogram and per-gate counts, for
 *        anyone who may view the experiment; counts only, never events
 * An upload needs the edit right and must parse as FCS; a refused one stores nothing. A
 * download needs the download right of the capability table (the project's cloning level).
 * Bodies stream to disk (see upload-body.ts); downloads stream from it.
 */
export async function handleFileRoute(req: IncomingMessage, res: ServerResponse, deps: FileDeps, parts: string[]): Promise<void> {
  // Answered before the body was all read (refused, too large, not FCS): a bounded drain, rather
  // than Node reading the rest of a body of up to gigabytes or a reset that loses the answer.
  drainRefusedBody(req, res, { ms: deps.limits.refusedBodyDrainMs, bytes: deps.limits.refusedBodyDrainBytes });
  await route(req, res, deps, parts);
}

async function route(req: IncomingMessage, res: ServerResponse, deps: FileDeps, parts: string[]): Promise<void> {
  const [experimentId, files, fileId, action, ...rest] = parts;
  if (!ExperimentId.safeParse(experimentId).success || rest.length > 0) throw new HttpError(404, ErrorCode.BAD_REQUEST, 'no such endpoint');
  const exp = experimentId as string;
  const ticket = new URL(req.url ?? '/', 'http://localhost').searchParams.get('ticket');
  if (ticket !== null && action === undefined) return withTicket(req, res, deps, ticket, exp, files, fileId);
  const auth = await signedIn(req, deps.store);
  if (req.method === 'POST' && files === 'upload-ticket' && fileId === undefined) {
    await check(deps, auth.actor, exp, Capability.edit);
    sendJson(res, 200, await issueTicket(deps, auth.actor, auth.tokenHash, { kind: 'upload', experimentId: exp }));
    return;
  }
  if (req.method === 'POST' && files === 'files' && fileId !== undefined && action === 'download-ticket') {
    await check(deps, auth.actor, exp, Capability.download);
    sendJson(res, 200, await issueTicket(deps, auth.actor, auth.tokenHash, { kind: 'download', experimentId: exp, fileId }));
    return;
  }
  if (req.method === 'GET' && files === 'files' && fileId !== undefined && action === 'density') {
    return density(req, res, deps, auth.actor, exp, fileId);
  }
  if (files !== 'files' || action !== undefined) throw new HttpError(404, ErrorCode.BAD_REQUEST, 'no such endpoint');
  if (req.method === 'PUT' && fileId === undefined) return upload(req, res, deps, auth.actor, exp);
  if (req.method === 'GET' && fileId !== undefined) return download(res, deps, auth.actor, exp, fileId);
  throw new HttpError(404, ErrorCode.BAD_REQUEST, 'no such endpoint');
}

/** A request that carries a ticket instead of the session token: exactly what it was issued for. */
async function withTicket(req: IncomingMessage, res: ServerResponse, deps: FileDeps, ticket: string, experimentId: string, files: string | undefined, fileId: string | undefined): Promise<void> {
  const purpose: TicketPurpose | null =
    files !== 'files' ? null : req.method === 'PUT' && fileId === undefined ? { kind: 'upload', experimentId } : req.method === 'GET' && fileId !== undefined ? { kind: 'download', experimentId, fileId } : null;
  const sessionHash = purpose ? await deps.tickets.redeem(ticket, purpose) : null;
  if (!purpose || !sessionHash) throw new HttpError(401, ErrorCode.NOT_SIGNED_IN, 'the ticket is unknown, used, expired or for something else');
  // The session it was issued under must still stand: logged out, ended or disabled ends its tickets.
  const auth = await authenticateHash(deps.store, sessionHash);
  if (!auth.ok) throw new HttpError(refusalStatus(auth.code), auth.code);
  const { actor } = auth;
  // Rights are checked again: they may have changed since the ticket was issued.
  return purpose.kind === 'upload' ? upload(req, res, deps, actor, experimentId) : download(res, deps, actor, experimentId, purpose.fileId);
}

/** At most `limits.ticketsPerAccount` live tickets per account: 429 TOO_MANY_ATTEMPTS beyond. */
async function issueTicket(deps: FileDeps, actor: Actor, tokenHash: string, purpose: TicketPurpose): Promise<{ ticket: string; expiresAt: number }> {
  const issued = await deps.tickets.issue(actor.username, tokenHash, purpose);
  if (!issued) throw new HttpError(429, ErrorCode.TOO_MANY_ATTEMPTS, `at most ${deps.limits.ticketsPerAccount} unused file tickets at once per account`);
  return issued;
}

async function check(deps: FileDeps, actor: Actor, experimentId: string, capability: Capability): Promise<void> {
  const record = await deps.store.getExperiment(experimentId);
  const project = record?.projectId ? await deps.store.getProject(record.projectId) : null;
  allow(record ? sharingOf(record) : null, project, actor, capability);
}

/** Throws the HTTP refusal for `capability`; an experiment that does not exist (any more) is a 404. */
function allow(sharing: SharingState | null, project: ProjectState | null, actor: Actor, capability: Capability): void {
  const verdict = sharing ? can(inForce(sharing, Date.now()), actor, capability, project) : { ok: false as const, code: ErrorCode.NOT_A_READER, message: 'no access' };
  if (!verdict.ok) throw new HttpError(verdict.code === ErrorCode.NOT_A_READER ? 404 : 403, verdict.code, verdict.message);
}


/** The refusal of a file that does not parse as FCS: the segment at fault and the offsets. */
function refuseFile(res: ServerResponse, error: FcsError): void {
  const { code, segment, message, expected, actual } = error;
  sendJson(res, 422, { code: ErrorCode.INVALID_FILE, message, detail: { fcsCode: code, segment, expected, actual } });
}

/**
 * Checked before any byte of the body is read: the name, the edit right, the declared size
 * (`limits.uploadBytes`) and a free upload slot for the account (`limits.uploadsPerAccount`).
 */
async function upload(req: IncomingMessage, res: ServerResponse, deps: FileDeps, actor: Actor, experimentId: string): Promise<void> {
  const name = FileName.safeParse(new URL(req.url ?? '/', 'http://localhost').searchParams.get('name'));
  if (!name.success) throw new HttpError(400, ErrorCode.BAD_REQUEST, `name: ${name.error.issues[0]?.message ?? 'required'}`, ['name']);
  await check(deps, actor, experimentId, Capability.edit);
  const { limits } = deps;
  if ((declaredLength(req) ?? 0) > limits.uploadBytes) throw new HttpError(413, ErrorCode.PAYLOAD_TOO_LARGE, `an upload may be at most ${limits.uploadBytes} bytes`);
  await deps.rooms.with(docName.experiment(experimentId), async (room) => refuseTakenName(room.doc, name.data)); // before the bytes come in
  const release = deps.uploads.take(actor.username, limits.uploadsPerAccount);
  if (!release) throw new HttpError(429, ErrorCode.TOO_MANY_UPLOADS, `at most ${limits.uploadsPerAccount} uploads at once per account`);
  try {
    const body = await receiveUpload(req, { blobs: deps.blobs, maxBytes: limits.uploadBytes, idleMs: limits.uploadIdleMs });
    if (!body.ok) return refuseFile(res, body.error);
    try {
      const parsed = parseReceived(body.temp, limits.uploadTextBytes);
      if (!parsed.ok) return refuseFile(res, parsed.error);
      await deps.blobs.adopt(body.temp, body.sha256);
      await recordUpload(res, deps, actor, experimentId, name.data, body.sha256, body.size, parsed.file);
    } finally {
      rmSync(body.temp, { force: true });
    }
  } finally {
    release();
  }
}

async function recordUpload(res: ServerResponse, deps: FileDeps, actor: Actor, experimentId: string, name: string, sha256: string, size: number, parsed: FcsFile): Promise<void> {
  const fileId = `f${randomBytes(8).toString('hex')}`;
  const record: FileRecord = {
    name,
    sha256,
    size,
    events: parsed.eventCount,
    channels: parsed.channels.map((c) => ({ name: c.name, label: c.label })),
    version: parsed.version,
    uploadedBy: actor.username,
    uploadedAt: Date.now(),
  };
  await deps.rooms.with(docName.experiment(experimentId), (room) =>
    room.serverWrite((doc) => {
      // Checked again in the room's queue: while the bytes came in, the right may have been
      // withdrawn or the experiment deleted, and a record written now would outlive that.
      allow(room.sharing, room.project, actor, Capability.edit);
      refuseTakenName(doc, record.name);
      doc.getMap(ExperimentRoot.files).set(fileId, record);
    }),
  );
  const body: UploadResult = { fileId, name: record.name, sha256, events: record.events, channels: record.channels };
  sendJson(res, 201, body);
}

/** One name per file in an experiment (sample tags are keyed by it): 409 FILE_NAME_TAKEN. */
function refuseTakenName(doc: Y.Doc, name: string): void {
  const verdict = checkNewFileName(name, fileNames(doc));
  if (!verdict.ok) throw new HttpError(409, verdict.code, verdict.message, verdict.path);
}

async function download(res: ServerResponse, deps: FileDeps, actor: Actor, experimentId: string, fileId: string): Promise<void> {
  await check(deps, actor, experimentId, Capability.download);
  await sendStoredFile(res, deps, experimentId, fileId);
}

/** Streams one FCS file of an experiment as an attachment; the caller has checked the right to it. */
export async function sendStoredFile(res: ServerResponse, deps: Pick<FileDeps, 'rooms' | 'blobs'>, experimentId: string, fileId: string): Promise<void> {
  const raw = await deps.rooms.with(docName.experiment(experimentId), async (room) => room.doc.getMap(ExperimentRoot.files).get(fileId));
  const file = FileRecord.safeParse(raw);
  const size = file.success ? await deps.blobs.size(file.data.sha256) : null;
  if (!file.success || size === null) throw new HttpError(404, ErrorCode.UNKNOWN_FILE);
  res.writeHead(200, {
    'content-type': 'application/vnd.isac.fcs',
    'content-length': size,
    'content-disposition': contentDisposition(file.data.name),
    'x-content-sha256': file.data.sha256,
  });
  // Straight from storage, at the pace the client reads; a failed read or a gone client ends both.
  await pipeline(deps.blobs.stream(file.data.sha256), res).catch(() => undefined);
}

/**
 * A density plot of one file: the view right is enough (a restricted member who may not
 * download still sees plots). Query parsed whole (unknown parameters refused); the channels
 * must be the file's; the file is read from disk in chunks, once per new query (see density.ts).
 */
async function density(req: IncomingMessage, res: ServerResponse, deps: FileDeps, actor: Actor, experimentId: string, fileId: string): Promise<void> {
  const params = Object.fromEntries(new URL(req.url ?? '/', 'http://localhost').searchParams);
  const query = DensityQuery.safeParse(params);
  if (!query.success) {
    const issue = query.error.issues[0];
    const path = issue?.path.map(String) ?? [];
    throw new HttpError(400, ErrorCode.BAD_REQUEST, `${path.join('.') || 'query'}: ${issue?.message ?? 'invalid'}`, path);
  }
  await check(deps, actor, experimentId, Capability.view);
  const { raw, gates } = await deps.rooms.with(docName.experiment(experimentId), async (room) => ({
    raw: room.doc.getMap(ExperimentRoot.files).get(fileId),
    gates: readContent(room.doc).gates,
  }));
  const file = FileRecord.safeParse(raw);
  if (!file.success || (await deps.blobs.size(file.data.sha256)) === null) throw new HttpError(404, ErrorCode.UNKNOWN_FILE);
  const release = deps.plots.reading.take(actor.username, deps.limits.densityReadsPerAccount);
  if (!release) throw new HttpError(429, ErrorCode.TOO_MANY_PLOTS, `at most ${deps.limits.densityReadsPerAccount} plots at once per account`);
  try {
    const sha = file.data.sha256;
    const specs = gates.map(gateSpec);
    const result = await deps.blobs.withFile(sha, (path) => densityOfBlob(path, sha, query.data, specs, deps.plots.cache, deps.limits.uploadTextBytes));
    if (!result.ok) {
      if (result.kind === 'channel') throw new HttpError(400, ErrorCode.UNKNOWN_CHANNEL, `this file has no channel ${JSON.stringify(result.channel)}`, [result.axis]);
      return refuseFile(res, result.error);
    }
    sendJson(res, 200, result.answer);
  } finally {
    release();
  }
}
