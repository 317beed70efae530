import { z } from 'zod';
import { AccessLevelSchema, ExperimentId, TagValue, Username } from './entities.ts';

/**
 * What lists sort and search by besides the sharing state, copied by the server from the
 * experiment's content: when its content last changed, and its distinct sample-tag values (the
 * first `INDEX_TAG_VALUES_MAX` in order, so one experiment cannot bloat every holder's index).
 * Optional: entries written by an older server lack them.
 */
export const INDEX_TAG_VALUES_MAX = 32;
const ListFacts = {
  changedAt: z.number().optional(),
  tagValues: z.array(TagValue).max(INDEX_TAG_VALUES_MAX).optional(),
};
export type ListFacts = { changedAt: number; tagValues: string[] };

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
  /** When this user's access ends (a direct share with an end, and nothing else gives access). */
  until: z.number().optional(),
  ...ListFacts,
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
  ...ListFacts,
});
export type CatalogEntry = z.infer<typeof CatalogEntry>;
