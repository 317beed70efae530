import { describe, expect, it } from 'vitest';
import { contentDisposition } from '../../sync-server/http/content-disposition.ts';

/** Header values Node accepts: no CR, LF or NUL, nothing past Latin-1 (ERR_INVALID_CHAR). */
const validHeaderValue = (v: string) => /^[\t\x20-\x7e\x80-\xff]*$/.test(v);

describe('contentDisposition', () => {
  it.each([
    ['a.fcs', `attachment; filename="a.fcs"; filename*=UTF-8''a.fcs`],
    ['CD4_α.fcs', `attachment; filename="CD4__.fcs"; filename*=UTF-8''CD4_%CE%B1.fcs`],
    ['サンプル.fcs', `attachment; filename="____.fcs"; filename*=UTF-8''%E3%82%B5%E3%83%B3%E3%83%97%E3%83%AB.fcs`],
    ['café.fcs', `attachment; filename="caf_.fcs"; filename*=UTF-8''caf%C3%A9.fcs`],
    ['say "hi".fcs', `attachment; filename="say _hi_.fcs"; filename*=UTF-8''say%20%22hi%22.fcs`],
    ['a\\b.fcs', `attachment; filename="a_b.fcs"; filename*=UTF-8''a%5Cb.fcs`],
    ['x\r\nSet-Cookie: a=b.fcs', `attachment; filename="x__Set-Cookie: a=b.fcs"; filename*=UTF-8''x%0D%0ASet-Cookie%3A%20a%3Db.fcs`],
    ['tab\there\x7f.fcs', `attachment; filename="tab_here_.fcs"; filename*=UTF-8''tab%09here%7F.fcs`],
    ["it's (1)*.fcs", `attachment; filename="it's (1)*.fcs"; filename*=UTF-8''it%27s%20%281%29%2A.fcs`],
    ['100%;x.fcs', `attachment; filename="100%;x.fcs"; filename*=UTF-8''100%25%3Bx.fcs`],
    ['🧪.fcs', `attachment; filename="_.fcs"; filename*=UTF-8''%F0%9F%A7%AA.fcs`],
    ['\ud800.fcs', `attachment; filename="_.fcs"; filename*=UTF-8''%EF%BF%BD.fcs`],
    ['', `attachment; filename="download"; filename*=UTF-8''`],
  ])('%j → %s', (name, header) => {
    expect(contentDisposition(name)).toBe(header);
    expect(validHeaderValue(header)).toBe(true);
  });

  it('round-trips every name through filename*', () => {
    for (const name of ['CD4_α.fcs', 'サンプル.fcs', 'a "b" \\ c\r\n.fcs', "it's (1)*~!.fcs"]) {
      const star = /filename\*=UTF-8''(.*)$/.exec(contentDisposition(name))![1]!;
      expect(decodeURIComponent(star)).toBe(name);
    }
  });
});
