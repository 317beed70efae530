import type { ExperimentRow } from '../core/contract.ts';
import type { ListQuery } from './list-cache.ts';

/**
 * The popup's Inbox: the direct shares this person has not opened yet, the most recently
 * changed first. One rule for the worker's `inbox` and `state` answers, the toolbar badge and
 * the popup's snapshot, which must all list the same rows.
 */
export function inboxOf<T extends Pick<ExperimentRow, 'isNew'>>(rows: T[]): T[] {
  return rows.filter((row) => row.isNew);
}

/** The Inbox's rows in its order, from a source of list answers (the handler's, the list cache's). */
export async function inboxRows(query: (query: ListQuery) => Promise<ExperimentRow[]>): Promise<ExperimentRow[]> {
  return inboxOf(await query({ filter: 'all', sort: 'changed' }));
}
