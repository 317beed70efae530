import type { CatchUpRow, SnapshotSummary, UpdateLog } from '../../../sync-server/store/store.ts';

/** A stored row: an update, or a compaction's snapshot kept with its summary. */
export type MemoryRow = Uint8Array | { snapshot: Uint8Array; summary: SnapshotSummary };

/** The reads of a catch-up over rows held in memory, as a store returns them (seq = position + 1). */
export function memoryUpdateLog(rows: readonly MemoryRow[]): Pick<UpdateLog, 'loadUpdates' | 'catchUpRows'> {
  const bytesOf = (row: MemoryRow) => (row instanceof Uint8Array ? row : row.snapshot);
  return {
    loadUpdates: async () => ({ updates: rows.map(bytesOf), lastSeq: rows.length }),
    catchUpRows: async () =>
      rows.map((row, i): CatchUpRow => {
        const seq = i + 1;
        return row instanceof Uint8Array ? { seq, bytes: row.byteLength, data: row, summary: null } : { seq, bytes: row.snapshot.byteLength, data: null, summary: row.summary };
      }),
  };
}
