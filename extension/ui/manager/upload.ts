import { describeCode, ErrorCode } from '../../../shared/codes.ts';
import { ErrorBody } from '../../../shared/schemas/api.ts';
import { describe } from '../describe.ts';

/**
 * Uploading an FCS file from the manager page. The worker asks the server for a one-time URL
 * (the session token stays in the worker); the page PUTs the bytes there itself, because only
 * XMLHttpRequest reports upload progress. A refusal comes back as the server's ErrorBody; an
 * unreadable file's body names the FCS segment and the offsets, which `refusalWords` turns
 * into sentences a researcher can act on.
 */
export type Progress = { loaded: number; total: number };
/** A refusal carries the server's code (SERVER_UNREACHABLE when no answer came) and its words. */
export type UploadOutcome = { ok: true } | { ok: false; code: string; words: string };

export function putWithProgress(url: string, file: Blob, onProgress: (p: Progress) => void, timeoutMs = 10 * 60_000): Promise<UploadOutcome> {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    xhr.timeout = timeoutMs;
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.upload.onprogress = (e) => onProgress({ loaded: e.loaded, total: e.lengthComputable ? e.total : file.size });
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress({ loaded: file.size, total: file.size });
        resolve({ ok: true });
      } else resolve({ ok: false, code: refusalCode(xhr.status, xhr.responseText), words: refusalWords(xhr.status, xhr.responseText) });
    };
    const unreachable = { ok: false, code: ErrorCode.SERVER_UNREACHABLE, words: describeCode(ErrorCode.SERVER_UNREACHABLE) } as const;
    xhr.onerror = () => resolve(unreachable);
    xhr.ontimeout = () => resolve(unreachable);
    xhr.send(file);
  });
}

/** What each FCS refusal means, in the words of someone who handles the files. */
const fcsWords: Record<string, string> = {
  FCS_TRUNCATED: 'The file ends before the data it declares: it was probably cut short while copying or downloading.',
  FCS_BAD_HEADER: 'It does not start with an FCS header, so it is probably not an FCS file.',
  FCS_BAD_TEXT: 'Its keyword (TEXT) section is malformed or lacks a required keyword.',
  FCS_INCONSISTENT: 'Its keywords and the sizes of its segments contradict each other.',
  FCS_UNSUPPORTED: 'It uses an FCS feature Cytoshare cannot read yet.',
};

const num = (n: unknown) => (typeof n === 'number' ? n.toLocaleString('en') : null);

/** The refusal's code from the server's ErrorBody; a body without one is judged by the status. */
export function refusalCode(status: number, text: string): string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const body = ErrorBody.safeParse(json);
  if (body.success) return body.data.code;
  return status === 413 ? ErrorCode.PAYLOAD_TOO_LARGE : status >= 500 ? ErrorCode.SERVER_UNREACHABLE : ErrorCode.BAD_REQUEST;
}

export function refusalWords(status: number, text: string): string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const body = ErrorBody.safeParse(json);
  if (!body.success) return status === 413 ? describeCode(ErrorCode.PAYLOAD_TOO_LARGE) : describe(undefined);
  if (body.data.code !== ErrorCode.INVALID_FILE) return describe(body.data.code);
  const detail = body.data.detail ?? {};
  const parts = [describeCode(ErrorCode.INVALID_FILE)];
  const why = typeof detail.fcsCode === 'string' ? fcsWords[detail.fcsCode] : undefined;
  if (why) parts.push(why);
  const where = typeof detail.segment === 'string' ? `In the ${detail.segment} segment: ` : '';
  parts.push(`${where}${body.data.message.replace(/\.?$/, '.')}`);
  const expected = num(detail.expected);
  const actual = num(detail.actual);
  if (expected !== null && actual !== null) parts.push(`Expected ${expected}, found ${actual}.`);
  return parts.join(' ');
}
