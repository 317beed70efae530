import { ErrorCode, describeCode } from '../../shared/codes.ts';
import { IntentResult } from '../../shared/schemas/intents.ts';

/** What is logged of a stored verdict that does not read: where it fails, never its text. */
export type UnreadableResult = { issues: string[] };

function jsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The answer to a resent draft: the verdict stored the first time, parsed like any stored
 * record. One that does not parse (a damaged row, a record of an older shape) is not decided
 * again, since the first run may have been carried out and running it twice would apply it
 * twice: the draft gets a refusal with a stable code instead, which ends its resends, and
 * `onUnreadable` hears where the record failed (issue paths and kinds only, never the text).
 */
export function resentResult(stored: string, draftId: string, onUnreadable: (what: UnreadableResult) => void): IntentResult {
  const parsed = IntentResult.safeParse(jsonOrUndefined(stored));
  if (parsed.success) return { ...parsed.data, resent: true };
  onUnreadable({ issues: parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.code}`) });
  const code = ErrorCode.STORED_RESULT_UNREADABLE;
  return { ok: false, draftId, code, message: describeCode(code), resent: true };
}
