import { describe, expect, it } from 'vitest';
import { groupShareRequest } from '../../extension/background/experiment-handlers.ts';
import { Request } from '../../extension/messages.ts';
import { GroupShareRequest } from '../../shared/schemas/groups.ts';

const EXP = '0b1f2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

/** The Sharing dialog's "Notify by email" and message reach the server for an @group share too. */
describe('the shareGroup request', () => {
  const parse = (message: unknown) => {
    const req = Request.parse(message);
    if (req.type !== 'shareGroup') throw new Error('not a shareGroup');
    return GroupShareRequest.parse(groupShareRequest(req));
  };

  it('carries notify off to the server', () => {
    expect(parse({ type: 'shareGroup', id: EXP, group: 'Flow lab', notify: false })).toEqual({ experimentId: EXP, group: 'Flow lab', notify: false });
  });

  it('carries the message with notify on', () => {
    expect(parse({ type: 'shareGroup', id: EXP, group: 'Flow lab', notify: true, message: 'Tube 3' })).toEqual({ experimentId: EXP, group: 'Flow lab', notify: true, message: 'Tube 3' });
  });

  it('leaves both out when the page gives neither (removal)', () => {
    expect(parse({ type: 'shareGroup', id: EXP, group: 'Flow lab', unshare: true })).toEqual({ experimentId: EXP, group: 'Flow lab', unshare: true });
  });

  it('refuses a message over the share message bound', () => {
    expect(Request.safeParse({ type: 'shareGroup', id: EXP, group: 'g', message: 'x'.repeat(501) }).success).toBe(false);
  });
});
