import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as Y from 'yjs';
import { z } from 'zod';
import type { Draft } from '../core/contract.ts';
import { DraftSchema, sortDrafts, StoredSession, type ClientStore } from '../core/store.ts';

/**
 * The CLI's profile directory:
 *   session.json        the signed-in session (mode 0600: it holds the bearer token)
 *   drafts.json         the outbox
 *   docs/<name>.bin     one Yjs document each, as an encoded state update
 * Every write goes to a temporary file that is then renamed over the target, so a crash leaves
 * either the old or the new file, never half of one. Every read is checked; a corrupt file is
 * reported with its path and left in place, never silently wiped (it may hold unsent drafts).
 */
export class CorruptFileError extends Error {
  readonly code = 'CORRUPT_PROFILE';
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file} is corrupt (${detail}); fix or remove it`);
    this.name = 'CorruptFileError';
  }
}

const DraftsFile = z.strictObject({ version: z.literal(1), drafts: z.array(DraftSchema) });

export async function writeAtomic(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const temp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(temp, data, { mode, flush: true });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

async function readIfExists(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function parseJson<T>(file: string, raw: Buffer, schema: z.ZodType<T>): T {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new CorruptFileError(file, 'not JSON');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new CorruptFileError(file, `unexpected content at ${parsed.error.issues[0]?.path.join('.') || 'top level'}`);
  return parsed.data;
}

export class FileStore implements ClientStore {
  private drafts: Draft[] | null = null;
  private open = new Map<string, Y.Doc>();
  private dirty = new Set<string>();
  /** Every write joins this chain, so writes land in the order they were issued. */
  private chain: Promise<void> = Promise.resolve();

  private constructor(readonly dir: string) {}

  static async open(dir: string): Promise<FileStore> {
    await mkdir(join(dir, 'docs'), { recursive: true, mode: 0o700 });
    return new FileStore(dir);
  }

  private enqueue(write: () => Promise<void>): Promise<void> {
    const next = this.chain.then(write);
    // A failed write must not block later ones; the caller of this write still sees the error.
    this.chain = next.catch(() => undefined);
    return next;
  }

  private docPath(name: string): string {
    if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`not a document name: ${name}`);
    return join(this.dir, 'docs', `${name}.bin`);
  }

  async loadSession(): Promise<StoredSession | null> {
    const file = join(this.dir, 'session.json');
    const raw = await readIfExists(file);
    return raw === null ? null : parseJson(file, raw, StoredSession);
  }

  saveSession(session: StoredSession | null): Promise<void> {
    const file = join(this.dir, 'session.json');
    return this.enqueue(() => (session === null ? rm(file, { force: true }) : writeAtomic(file, JSON.stringify(session), 0o600)));
  }

  /** The outbox stays in memory once read; edits mutate it synchronously so none is lost to a race. */
  private async draftList(): Promise<Draft[]> {
    if (this.drafts === null) {
      const file = join(this.dir, 'drafts.json');
      const raw = await readIfExists(file);
      const loaded = raw === null ? [] : parseJson(file, raw, DraftsFile).drafts;
      this.drafts ??= loaded;
    }
    return this.drafts;
  }

  async loadDrafts(): Promise<Draft[]> {
    return sortDrafts((await this.draftList()).map((d) => structuredClone(d)));
  }

  async putDraft(draft: Draft): Promise<void> {
    const drafts = await this.draftList();
    const at = drafts.findIndex((d) => d.id === draft.id);
    if (at === -1) drafts.push(structuredClone(draft));
    else drafts[at] = structuredClone(draft);
    if (this.holding === 0) await this.saveDrafts();
  }

  private holding = 0;

  /**
   * Runs `work` with outbox writes held back, then writes the outbox once: recording or
   * settling a thousand drafts costs one write (and fsync) instead of a thousand. What `work`
   * recorded is durable only when this resolves, so nothing recorded in it may be sent before.
   */
  async holdingDraftWrites<T>(work: () => Promise<T>): Promise<T> {
    this.holding += 1;
    try {
      return await work();
    } finally {
      this.holding -= 1;
      if (this.holding === 0) await this.saveDrafts();
    }
  }

  async deleteDraft(id: string): Promise<void> {
    const drafts = await this.draftList();
    const at = drafts.findIndex((d) => d.id === id);
    if (at !== -1) drafts.splice(at, 1);
    await this.saveDrafts();
  }

  private saveDrafts(): Promise<void> {
    const body = JSON.stringify({ version: 1, drafts: this.drafts ?? [] }, null, 1);
    return this.enqueue(() => writeAtomic(join(this.dir, 'drafts.json'), body));
  }

  async openDoc(name: string): Promise<Y.Doc> {
    const existing = this.open.get(name);
    if (existing) return existing;
    const file = this.docPath(name);
    const raw = await readIfExists(file);
    const doc = new Y.Doc();
    if (raw !== null) {
      try {
        Y.applyUpdate(doc, new Uint8Array(raw));
      } catch {
        doc.destroy();
        throw new CorruptFileError(file, 'not a Yjs document');
      }
    }
    doc.on('update', () => this.markDirty(name));
    this.open.set(name, doc);
    return doc;
  }

  /** Writes the whole state of a changed document once per turn of the chain: docs are small. */
  private markDirty(name: string): void {
    if (this.dirty.has(name)) return;
    this.dirty.add(name);
    void this.enqueue(async () => {
      this.dirty.delete(name);
      const doc = this.open.get(name);
      if (doc) await writeAtomic(this.docPath(name), Y.encodeStateAsUpdate(doc));
    });
  }

  async docNames(): Promise<string[]> {
    const files = await readdir(join(this.dir, 'docs'));
    return files.filter((f) => f.endsWith('.bin')).map((f) => f.slice(0, -4)).sort();
  }

  async deleteDoc(name: string): Promise<void> {
    const doc = this.open.get(name);
    this.open.delete(name);
    doc?.destroy();
    await this.enqueue(() => rm(this.docPath(name), { force: true }));
  }

  async flush(): Promise<void> {
    await this.chain;
  }

  async close(): Promise<void> {
    await this.flush();
    for (const doc of this.open.values()) doc.destroy();
    this.open.clear();
  }
}
