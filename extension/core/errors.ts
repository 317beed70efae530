import { ErrorCode } from '../../shared/codes.ts';

/**
 * A failure the core reports by code, never by raw exception text: the CLI maps the code to an
 * exit status and `describeCode` words, the extension to a message in the popup.
 *   auth        not signed in, bad credentials, expired session, disabled account (CLI exit 4)
 *   unreachable the server could not be reached (CLI exit 5)
 *   refused     the server or the rules said no (CLI exit 3)
 */
export type CoreErrorKind = 'auth' | 'unreachable' | 'refused' | 'internal';

export class CoreError extends Error {
  constructor(
    readonly kind: CoreErrorKind,
    readonly code: string,
    message: string,
    /** Specifics a person needs beside the code's words (an FCS refusal's segment and offsets). */
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'CoreError';
  }
}

const authCodes: ReadonlySet<string> = new Set([
  ErrorCode.NOT_SIGNED_IN,
  ErrorCode.BAD_CREDENTIALS,
  ErrorCode.SESSION_EXPIRED,
  ErrorCode.ACCOUNT_DISABLED,
  ErrorCode.TOTP_REQUIRED,
  ErrorCode.BAD_TOTP_CODE,
]);

export function isAuthCode(code: string): boolean {
  return authCodes.has(code);
}

export const unreachable = (): CoreError =>
  new CoreError('unreachable', ErrorCode.SERVER_UNREACHABLE, 'the server cannot be reached');

export const notSignedIn = (): CoreError => new CoreError('auth', ErrorCode.NOT_SIGNED_IN, 'not signed in');

/** Builds the error for a server answer carrying a code; auth codes get the auth kind. */
export function fromServerCode(code: string, message: string, detail?: string): CoreError {
  return new CoreError(isAuthCode(code) ? 'auth' : 'refused', code, message, detail);
}

/**
 * The words for a refusal's specifics, from the `detail` of the server's answer. Only the
 * fields of an FCS refusal are read (numbers and a segment name), never free text.
 */
export function detailWords(message: string, detail: Readonly<Record<string, unknown>> | undefined): string | undefined {
  if (!detail || typeof detail.segment !== 'string') return undefined;
  const segment = detail.segment.replace(/[^A-Za-z0-9 _-]/g, '').slice(0, 40);
  const offset = (key: string) => (typeof detail[key] === 'number' && Number.isFinite(detail[key]) ? String(detail[key]) : null);
  const expected = offset('expected');
  const actual = offset('actual');
  const where = expected !== null && actual !== null ? `: expected offset ${expected}, actual ${actual}` : expected !== null ? `: expected ${expected}` : '';
  return `Segment ${segment}${where} (${message.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').slice(0, 300)})`;
}
