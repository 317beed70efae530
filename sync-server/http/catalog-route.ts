import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { ErrorCode } from '../../shared/codes.ts';
import { CATALOG_SEARCH_WORDS_MAX, CatalogQuery, type CatalogPage } from '../../shared/schemas/catalog-page.ts';
import type { CatalogEntry } from '../../shared/schemas/index-entry.ts';
import { searchWords } from '../../shared/list-search.ts';
import type { CatalogRow, Store } from '../store/store.ts';
import { HttpError, sendJson } from './json.ts';

/** The cursor is the (name, id) of the last row handed out, so a page never repeats or skips a row however many are added. */
const Cursor = z.tuple([z.string().max(1_000), z.string().max(100)]);

export function encodeCursor(row: { name: string; id: string }): string {
  return Buffer.from(JSON.stringify([row.name, row.id]), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { name: string; id: string } {
  try {
    const [name, id] = Cursor.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return { name, id };
  } catch {
    throw new HttpError(400, ErrorCode.BAD_REQUEST, 'not a cursor this server handed out');
  }
}

function entryOf(row: CatalogRow): CatalogEntry {
  return { id: row.id, name: row.name, owner: row.owner, curated: row.curated, projectId: row.projectId, parentId: row.parentId };
}

/**
 * GET /api/catalog → CatalogPage: one page of the public catalog (what every signed-in account
 * may see), so a client holds only the pages it looked at. `limit` is cut to `maxRows`.
 */
export async function sendCatalogPage(req: IncomingMessage, res: ServerResponse, store: Store, maxRows: number): Promise<void> {
  const params = new URL(req.url ?? '/', 'http://localhost').searchParams;
  const parsed = CatalogQuery.safeParse(Object.fromEntries(params));
  if (!parsed.success) throw new HttpError(400, ErrorCode.BAD_REQUEST, 'bad catalog query');
  const { search, filter, after, limit } = parsed.data;
  const rows = Math.min(limit, maxRows);
  // One row more than asked says whether another page follows.
  const found = await store.publicCatalogPage({
    words: searchWords(search).slice(0, CATALOG_SEARCH_WORDS_MAX),
    curated: filter === 'curated',
    after: after === undefined ? null : decodeCursor(after),
    limit: rows + 1,
  });
  const page = found.slice(0, rows);
  const last = page.at(-1);
  const body: CatalogPage = { entries: page.map(entryOf), next: found.length > rows && last ? encodeCursor(last) : null };
  sendJson(res, 200, body);
}
