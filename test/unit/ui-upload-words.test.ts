import { describe, expect, it } from 'vitest';
import { parseFcs, writeFcs } from '../../shared/fcs/index.ts';
import { refusalWords } from '../../extension/ui/manager/upload.ts';

/** The manager's words for a refused upload, from the server's ErrorBody (file-routes.ts). */
function bodyFor(bytes: Uint8Array): string {
  const parsed = parseFcs(bytes);
  if (parsed.ok) throw new Error('expected a refusal');
  const { code, segment, message, expected, actual } = parsed.error;
  return JSON.stringify({ code: 'INVALID_FILE', message, detail: { fcsCode: code, segment, expected, actual } });
}

describe('words for a refused upload', () => {
  const good = writeFcs({ channels: [{ name: 'FSC-A' }, { name: 'SSC-A' }], events: new Float64Array(400).fill(1) });

  it('a file cut short names the segment, the cause and the numbers', () => {
    const words = refusalWords(422, bodyFor(good.subarray(0, good.length - 100)));
    expect(words).toMatch(/^The file is not a readable FCS file\. The file ends before the data it declares/);
    expect(words).toContain('In the DATA segment:');
    expect(words).toMatch(/Expected [\d,]+, found [\d,]+\./);
  });

  it('a file that is not FCS at all says so', () => {
    const words = refusalWords(422, bodyFor(new TextEncoder().encode('hello, this is a spreadsheet')));
    expect(words).toContain('probably not an FCS file');
  });

  it('other refusals use the shared words, and an unreadable body a neutral sentence', () => {
    expect(refusalWords(403, JSON.stringify({ code: 'READ_ONLY', message: 'no' }))).toBe('You can view this experiment but not change it.');
    expect(refusalWords(413, 'too big')).toBe('The message is larger than the server accepts.');
    expect(refusalWords(500, '<html>')).toBe('The change was not accepted.');
  });
});
