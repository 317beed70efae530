import { z } from 'zod';

/**
 * An experiment's sharing history as a hash chain: entry n stores
 * SHA-256(hash of entry n-1 ‖ canonical JSON of entry n's fields), entry 1 chaining from
 * GENESIS. Editing, deleting, inserting or reordering any stored entry breaks every hash from
 * there on, so the server and the CLI can each check a history without trusting the other.
 * Pure: the SHA-256 function is passed in (node:crypto on the server and in the CLI), so this
 * module runs anywhere and the chain is computed in exactly one place.
 */
export const GENESIS = '0'.repeat(64);

/** A SHA-256 of the UTF-8 bytes of `text`, as 64 lowercase hex digits. */
export type Sha256Hex = (text: string) => string;

const Json: z.ZodType<unknown> = z.lazy(() =>
  z.union([z.null(), z.boolean(), z.number(), z.string(), z.array(Json), z.record(z.string(), Json)]),
);

/** What one entry says: who decided what about which experiment, when, and the verdict. */
export const HistoryFields = z.strictObject({
  experimentId: z.string(),
  at: z.number().int(),
  actor: z.string(),
  action: z.string(),
  /** 'accepted' or 'refused'; any string parses, so an edited row reaches the check instead of failing the answer. */
  verdict: z.string(),
  code: z.string().nullable(),
  detail: Json,
});
export type HistoryFields = z.infer<typeof HistoryFields>;

export const HistoryEntry = HistoryFields.extend({ seq: z.number().int().min(1), hash: z.string() });
export type HistoryEntry = z.infer<typeof HistoryEntry>;

export type ChainHead = { seq: number; hash: string };

/** JSON with object keys sorted at every level, so equal values always hash equal. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** The hashed part of an entry: its fields and its sequence number (so a renumbering shows). */
function hashedText(seq: number, f: HistoryFields): string {
  return canonicalJson({ seq, experimentId: f.experimentId, at: f.at, actor: f.actor, action: f.action, verdict: f.verdict, code: f.code, detail: f.detail });
}

export function entryHash(sha256: Sha256Hex, previousHash: string, seq: number, fields: HistoryFields): string {
  return sha256(previousHash + hashedText(seq, fields));
}

/** The entry that follows `head` (null: the experiment has no history yet). */
export function nextLink(sha256: Sha256Hex, head: ChainHead | null, fields: HistoryFields): ChainHead {
  const seq = (head?.seq ?? 0) + 1;
  return { seq, hash: entryHash(sha256, head?.hash ?? GENESIS, seq, fields) };
}

/** Builds a whole chain from fields in order; for tests and for checking a builder against the verifier. */
export function buildChain(sha256: Sha256Hex, fields: readonly HistoryFields[]): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  for (const f of fields) out.push({ ...f, ...nextLink(sha256, out.at(-1) ?? null, f) });
  return out;
}

export type ChainProblem = 'hash-mismatch' | 'sequence-gap' | 'reordered' | 'wrong-experiment';
export type ChainVerdict =
  | { intact: true; entries: number; head: string }
  | { intact: false; seq: number; problem: ChainProblem; message: string };

/**
 * Checks a history given oldest first. Reports the first broken entry: its sequence number
 * and what is wrong with it. A history that simply ends early (its newest entries cut off)
 * cannot be told from a shorter one by the chain alone.
 */
export function verifyChain(sha256: Sha256Hex, experimentId: string, entries: readonly HistoryEntry[]): ChainVerdict {
  const check = chainCheck(sha256, experimentId);
  for (const [i, e] of entries.entries()) {
    if (!check.add(e, (expected) => entries.slice(i + 1).some((later) => later.seq === expected))) break;
  }
  return check.verdict();
}

/**
 * The check of `verifyChain` fed one entry at a time, so a chain read in pages is checked
 * holding one page. `add` says whether the chain is still intact. `comesLater(seq)`: whether
 * entry `seq` stands further on (only a caller holding the rest can say; a chain read in
 * sequence order never has one further on, so it need not be given). `from`: an entry already
 * trusted (checked before, or checked by whoever holds the entries before it), to go on from
 * instead of entry 1; `head()` is the last entry accepted (null: none, nor `from`).
 */
export function chainCheck(
  sha256: Sha256Hex,
  experimentId: string,
  from: ChainHead | null = null,
): { add(e: HistoryEntry, comesLater?: (seq: number) => boolean): boolean; verdict(): ChainVerdict; head(): ChainHead | null } {
  let previous = from?.hash ?? GENESIS;
  let count = from?.seq ?? 0;
  let failed: ChainVerdict | null = null;
  return {
    head: () => (count > 0 ? { seq: count, hash: previous } : null),
    add(e, comesLater = () => false) {
      if (failed) return false;
      // Entries 1..count were each accepted in turn, so a number below `expected` was seen already.
      const expected = count + 1;
      if (e.experimentId !== experimentId) failed = broken(e.seq, 'wrong-experiment', `entry ${e.seq} belongs to experiment ${e.experimentId}`);
      else if (e.seq !== expected) {
        failed = e.seq < expected || comesLater(expected)
          ? broken(e.seq, 'reordered', `entry ${e.seq} stands where entry ${expected} should`)
          : broken(expected, 'sequence-gap', `entry ${expected} is missing (next is ${e.seq})`);
      } else if (entryHash(sha256, previous, e.seq, e) !== e.hash) {
        failed = broken(e.seq, 'hash-mismatch', `entry ${e.seq} does not match its hash: it was changed, or an entry before it was`);
      } else {
        previous = e.hash;
        count = expected;
      }
      return failed === null;
    },
    verdict: () => failed ?? { intact: true, entries: count, head: previous },
  };
}

export function broken(seq: number, problem: ChainProblem, message: string): ChainVerdict {
  return { intact: false, seq, problem, message };
}

export const ChainVerdictSchema = z.union([
  z.strictObject({ intact: z.literal(true), entries: z.number().int(), head: z.string() }),
  z.strictObject({ intact: z.literal(false), seq: z.number().int(), problem: z.enum(['hash-mismatch', 'sequence-gap', 'reordered', 'wrong-experiment']), message: z.string() }),
]);

/**
 * `GET /api/experiments/<id>/audit[?after=SEQ]`: the history oldest first, a page at a time
 * (entries after SEQ), and the server's check of the whole chain. `next`: the `after` of the
 * following page, null (or absent, from older servers) on the last.
 */
export const HistoryAnswer = z.strictObject({
  experimentId: z.string(),
  entries: z.array(HistoryEntry),
  verification: ChainVerdictSchema,
  next: z.number().int().nonnegative().nullable().optional(),
});
export type HistoryAnswer = z.infer<typeof HistoryAnswer>;
