import type { HistoryEntry } from '../../shared/audit/history-chain.ts';

/** A row of `experiment_history`, the same columns in both adapters. */
export type HistoryRow = { experiment_id: string; seq: number; at: number; actor: string; action: string; verdict: string; code: string | null; detail: string; hash: string };

/**
 * Rows go out as stored; the route parses them (zod) and verifies the chain, so a row edited in
 * the database shows up as a broken chain rather than being mended here.
 */
export const historyEntry = (r: HistoryRow): HistoryEntry => ({
  experimentId: r.experiment_id,
  seq: r.seq,
  at: r.at,
  actor: r.actor,
  action: r.action,
  verdict: r.verdict,
  code: r.code,
  detail: parseDetail(r.detail),
  hash: r.hash,
});

/** Text that is no longer JSON (edited in the database) is kept as a string, and fails the chain check. */
function parseDetail(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
