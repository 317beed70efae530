import { z } from 'zod';
import { AccessLevelSchema, ExperimentId, Username } from './entities.ts';

/**
 * One row of a user's experiment list. The server writes these into the user's index document
 * so the popup can list and search without loading every experiment document.
 */
export const IndexEntry = z.strictObject({
  id: ExperimentId,
  name: z.string(),
  owner: Username,
  access: AccessLevelSchema,
  public: z.boolean(),
  curated: z.boolean(),
  projectId: z.string().nullable(),
  parentId: ExperimentId.nullable(),
  sharedWithOthers: z.boolean(),
  trashed: z.boolean(),
  /** When the entry reached this user through a direct share; null for their own. */
  sharedAt: z.number().nullable(),
  /** Inbox state: a direct share stays "new" until the user marks it viewed. */
  viewed: z.boolean(),
});
export type IndexEntry = z.infer<typeof IndexEntry>;

/** A row of the server-wide public catalog, readable by every account. */
export const CatalogEntry = z.strictObject({
  id: ExperimentId,
  name: z.string(),
  owner: Username,
  curated: z.boolean(),
  projectId: z.string().nullable(),
  parentId: ExperimentId.nullable(),
});
export type CatalogEntry = z.infer<typeof CatalogEntry>;
