/**
 * The `Content-Disposition` of a download, for any file name (RFC 6266 with RFC 5987's
 * `filename*`). Node refuses a header value outside Latin-1, and a quote, backslash or CR/LF in
 * a quoted string would end it early or start another header; so the name travels twice:
 *   filename="…"          printable ASCII only (anything else becomes `_`), for old clients
 *   filename*=UTF-8''…    the exact name, UTF-8 and percent-encoded, which browsers prefer
 */
export function contentDisposition(name: string): string {
  return `attachment; filename="${asciiFallback(name)}"; filename*=UTF-8''${percentEncode(name)}`;
}

/** Printable ASCII except `"` and `\` (which a quoted string would have to escape): kept; else `_`. */
function asciiFallback(name: string): string {
  let out = '';
  for (const ch of name) {
    const c = ch.codePointAt(0)!;
    out += c >= 0x20 && c <= 0x7e && ch !== '"' && ch !== '\\' ? ch : '_';
  }
  return out === '' ? 'download' : out;
}

/** RFC 5987 attr-char: these bytes stand for themselves, every other byte is `%XX`. */
const ATTR_CHAR = /[A-Za-z0-9!#$&+\-.^_`|~]/;
const utf8 = new TextEncoder();

/** UTF-8 bytes of `name` (a lone surrogate becomes U+FFFD, so this never throws), percent-encoded. */
function percentEncode(name: string): string {
  let out = '';
  for (const byte of utf8.encode(name)) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x80 && ATTR_CHAR.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
