import { z } from 'zod';
import { CatalogEntry } from './index-entry.ts';

/** Longest search text a catalog query may carry, and the most words used from it (each is one SQL condition). */
export const CATALOG_SEARCH_MAX = 200;
export const CATALOG_SEARCH_WORDS_MAX = 8;

/**
 * `GET /api/catalog?search=&filter=public|curated&after=&limit=`, from the query string. `after`
 * is the `next` of the previous page, opaque to clients.
 */
export const CatalogQuery = z.strictObject({
  search: z.string().max(CATALOG_SEARCH_MAX).default(''),
  filter: z.enum(['public', 'curated']).default('public'),
  after: z.string().min(1).max(2_000).optional(),
  limit: z.coerce.number().int().positive().default(50),
});
export type CatalogQuery = z.infer<typeof CatalogQuery>;

/** A page of the catalog in name order; `next` is the `after` of the following page, null on the last one. */
export const CatalogPage = z.strictObject({
  entries: z.array(CatalogEntry),
  next: z.string().nullable(),
});
export type CatalogPage = z.infer<typeof CatalogPage>;
