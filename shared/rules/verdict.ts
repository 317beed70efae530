import type { ErrorCode } from '../codes.ts';

/** The answer of every rule: allowed, or refused with a stable code and the bad field's path. */
export type Refusal = { ok: false; code: ErrorCode; message: string; path?: string[] };
export type Verdict = { ok: true } | Refusal;

export const allow: Verdict = { ok: true };

export function refuse(code: ErrorCode, message: string, path?: string[]): Refusal {
  return path ? { ok: false, code, message, path } : { ok: false, code, message };
}

/** Runs checks in order and returns the first refusal; the order is part of the contract. */
export function firstRefusal(...checks: Array<() => Verdict>): Verdict {
  for (const check of checks) {
    const verdict = check();
    if (!verdict.ok) return verdict;
  }
  return allow;
}
