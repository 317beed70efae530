import { browser } from 'wxt/browser';
import {
  canonicalJson, figuresForArchive, figuresForImport, purposeWithOrigin, sha256Hasher, sharingRecordOf, storedGateIds, streamChunks, verifyArchive, writeArchive,
  type ArchiveSource, type FcsSink, type VerifiedArchive,
} from '../../../shared/archive/index.ts';
import { ErrorCode } from '../../../shared/codes.ts';
import { figureSvg } from '../../../shared/plot/figure-svg.ts';
import { describe, errorCode } from '../describe.ts';
import { RequestError, type View } from '../../messages.ts';
import { send } from '../rpc.ts';
import { putWithProgress } from './upload.ts';

/**
 * Archives in the manager page, with the same shared code as the CLI (shared/archive/) and
 * fflate in the browser. Export streams each file from a one-time download URL into the ZIP,
 * and the ZIP into the file the user picked (File System Access API), so memory stays flat;
 * where the browser lacks it, the archive is built as a Blob (which the browser keeps on disk
 * past its memory share) and saved by a link. Import checks the whole archive first, exactly
 * as the CLI does, then creates the experiment and uploads each file with a one-time URL.
 */
const READ_CHUNK = 1024 * 1024;
/** Pieces of an FCS entry are folded into a Blob at this size, so the page never holds more. */
const FOLD_BYTES = 8 * 1024 * 1024;

export function blobSource(blob: Blob): ArchiveSource {
  const read = async (offset: number, length: number) => new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
  return {
    size: blob.size,
    read,
    async *stream(offset, length) {
      for (let at = 0; at < length; at += READ_CHUNK) yield await read(offset + at, Math.min(READ_CHUNK, length - at));
    },
  };
}

function blobSink(done: (blob: Blob) => void): FcsSink {
  const folded: Blob[] = [];
  let pending: Uint8Array<ArrayBuffer>[] = [];
  let bytes = 0;
  const fold = () => {
    folded.push(new Blob(pending));
    pending = [];
    bytes = 0;
  };
  return {
    write(chunk) {
      pending.push(chunk.slice());
      bytes += chunk.length;
      if (bytes >= FOLD_BYTES) fold();
    },
    async close() {
      fold();
      done(new Blob(folded, { type: 'application/octet-stream' }));
    },
  };
}

type Writable = { write(chunk: Uint8Array): Promise<void>; close(): Promise<void>; abort(): Promise<void> };
type SavePicker = (options: { suggestedName: string; types: Array<{ description: string; accept: Record<string, string[]> }> }) => Promise<{
  createWritable(): Promise<{ write(data: Uint8Array): Promise<void>; close(): Promise<void>; abort(): Promise<void> }>;
}>;

async function saveTarget(filename: string): Promise<Writable> {
  const picker = (globalThis as { showSaveFilePicker?: SavePicker }).showSaveFilePicker;
  if (picker) {
    const file = await (await picker({ suggestedName: filename, types: [{ description: 'Cytoshare archive', accept: { 'application/zip': ['.zip'] } }] })).createWritable();
    return { write: (c) => file.write(c), close: () => file.close(), abort: () => file.abort() };
  }
  const parts: Blob[] = [];
  return {
    write: async (c) => void parts.push(new Blob([c.slice()])),
    close: async () => {
      const url = URL.createObjectURL(new Blob(parts, { type: 'application/zip' }));
      Object.assign(document.createElement('a'), { href: url, download: filename }).click();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    },
    abort: async () => void parts.splice(0),
  };
}

export async function exportInBrowser(view: View, onStep: (words: string) => void): Promise<void> {
  // The save dialog first: it needs the click's user activation, which a wait could use up.
  const target = await saveTarget(`${view.name.replace(/[\\/:*?"<>|\u0000-\u001f]+/g, '_').slice(0, 100) || 'experiment'}.zip`);
  try {
    const state = await send({ type: 'state' });
    if (!state.account) throw new RequestError(ErrorCode.NOT_SIGNED_IN, 'not signed in');
    await writeArchive(
      {
        appVersion: browser.runtime.getManifest().version,
        server: state.account.server,
        exportedBy: state.account.username,
        experimentId: view.id,
        name: view.name,
        purpose: view.purpose,
        files: (view.files ?? []).map((f) => ({
          name: f.name,
          events: f.events,
          channels: (f.channels ?? []).map((c) => c.name),
          size: f.size,
          open: async () => {
            onStep(`Adding ${f.name}…`);
            const { url } = await send({ type: 'download', id: view.id, fileId: f.id });
            const response = await fetch(url);
            if (!response.ok || !response.body) throw new RequestError(ErrorCode.SERVER_UNREACHABLE, 'the file could not be downloaded');
            return streamChunks(response.body);
          },
        })),
        tags: view.tags,
        gates: view.gates.map(({ id: _id, ...gate }) => gate),
        sharing: sharingRecordOf(view),
        figures: figuresForArchive(view.figures ?? [], view.gates),
        figureSvg: (i) => {
          const figure = view.figures![i]!;
          onStep(`Drawing ${figure.name}…`);
          return figureSvg(figure, { files: view.files ?? [], gates: view.gates }, (fileId, query) => send({ type: 'density', id: view.id, fileId, query }), (e) => describe(errorCode(e)));
        },
      },
      (chunk) => target.write(chunk),
      sha256Hasher,
    );
    await target.close();
  } catch (error) {
    await target.abort().catch(() => undefined);
    throw error;
  }
}

/** How long an import waits for the server to decide its drafts before calling it unreachable. */
const SETTLE_MS = 30_000;

/**
 * Waits until the server has decided every one of `draftIds` (the worker's live sync delivers
 * them; `sync` only nudges it), then throws for the first it refused.
 */
async function settled(draftIds: string[]): Promise<void> {
  const end = Date.now() + SETTLE_MS;
  for (;;) {
    await send({ type: 'sync' });
    const drafts = new Map((await send({ type: 'state' })).drafts.map((d) => [d.id, d]));
    const refused = draftIds.map((id) => drafts.get(id)).find((d) => d?.state === 'rejected');
    if (refused) throw new RequestError(refused.code ?? ErrorCode.INTERNAL, refused.message ?? 'refused');
    if (!draftIds.some((id) => drafts.get(id)?.state === 'pending')) return;
    if (Date.now() > end) throw new RequestError(ErrorCode.SERVER_UNREACHABLE, 'the server has not answered');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Writes the purpose, tags, gates and figures the experiment does not have yet, and waits for the verdicts. */
async function writeContent(id: string, verified: VerifiedArchive, purpose: string): Promise<void> {
  await send({ type: 'refresh', id });
  const view = await send({ type: 'show', id });
  const drafts: string[] = [];
  if (view.purpose !== purpose) drafts.push((await send({ type: 'setPurpose', id, purpose })).id);
  const tags = new Set(view.tags.map((t) => JSON.stringify([t.file, t.dimension, t.value])));
  for (const t of verified.tags) {
    if (!tags.has(JSON.stringify([t.file, t.dimension, t.value]))) drafts.push((await send({ type: 'setTag', id, file: t.file, dimension: t.dimension, value: t.value })).id);
  }
  const key = (gate: object) => JSON.stringify(gate, Object.keys(gate).sort());
  const gates = new Set(view.gates.map(({ id: _id, ...gate }) => key(gate)));
  for (const gate of verified.gates) if (!gates.has(key(gate))) drafts.push((await send({ type: 'addGate', id, gate })).draft.id);
  await settled(drafts);
  if (verified.figures.length === 0) return;
  // The figures name the gates by the ids they were just given, so they come once those are in.
  const now = await send({ type: 'show', id });
  const have = new Set((now.figures ?? []).map(({ id: _id, ...figure }) => canonicalJson(figure)));
  const figureDrafts: string[] = [];
  for (const figure of figuresForImport(verified.figures, verified.gateIds, storedGateIds(verified.gates, now.gates))) {
    if (!have.has(canonicalJson(figure))) figureDrafts.push((await send({ type: 'addFigure', id, figure })).draft.id);
  }
  await settled(figureDrafts);
}

/** Checks the whole archive, then recreates it as a new private experiment; answers its id. */
export async function importInBrowser(file: Blob, onStep: (words: string) => void): Promise<string> {
  onStep('Checking the archive…');
  const blobs = new Map<string, Blob>();
  const verified = await verifyArchive(blobSource(file), {
    hasher: sha256Hasher,
    openFcs: async (entry) => blobSink((blob) => blobs.set(entry.path, blob)),
  });
  const { manifest } = verified;
  const created = await send({ type: 'create', name: manifest.experiment.name });
  await settled([created.draft.id]);
  const id = created.id;
  try {
    for (const f of manifest.files) {
      onStep(`Uploading ${f.name}…`);
      const { url } = await send({ type: 'uploadTicket', id, name: f.name });
      const outcome = await putWithProgress(url, blobs.get(f.path)!, () => undefined);
      if (!outcome.ok) throw new RequestError(ErrorCode.INVALID_FILE, outcome.words);
    }
    onStep('Writing tags, gates and figures…');
    for (let attempt = 1; ; attempt++) {
      try {
        await writeContent(id, verified, purposeWithOrigin(manifest));
        break;
      } catch (error) {
        // Live sync may have had to reload the new document meanwhile: write what is missing again.
        if (attempt >= 3 || !(error instanceof RequestError && error.code === ErrorCode.RESET_REQUIRED)) throw error;
      }
    }
  } catch (error) {
    // A half-made experiment is not left behind.
    await send({ type: 'trash', id }).then(() => send({ type: 'sync' })).then(() => send({ type: 'deleteForGood', id })).then(() => send({ type: 'sync' })).catch(() => undefined);
    throw error;
  }
  return id;
}
