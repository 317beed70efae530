import type { ErrorCode } from '../../shared/codes.ts';
import type { Verdict } from '../../shared/rules/verdict.ts';

/**
 * A request refused outside an intent (groups, transfers): the rules' code, message and bad
 * field, for the route to answer with its status (route-table.ts's `refusal`).
 */
export class Refused extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly path?: string[],
  ) {
    super(message);
  }
}

/** Throws a refusing verdict as a Refused; an allowing one passes. */
export function orRefuse(verdict: Verdict): void {
  if (!verdict.ok) throw new Refused(verdict.code, verdict.message, verdict.path);
}
