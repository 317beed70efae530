import { describe, expect, it } from 'vitest';
import { encodeControl, type ControlMessage } from '../../shared/protocol/control.ts';
import type { EditDraft } from '../../extension/core/contract.ts';
import { decodeControlFrame, EditTracker } from '../../extension/core/edit-tracker.ts';

const draft = (id: string, client: number, clockStart: number, clockEnd: number): EditDraft => ({
  kind: 'edit', id, experimentId: 'exp00000001', description: id, state: 'pending', createdAt: 1,
  docName: 'exp-exp00000001', client, clockStart, clockEnd,
});

/** Drives the tracker the way the socket does: from encoded frames. */
function feed(tracker: EditTracker, message: ControlMessage) {
  const decoded = decodeControlFrame(encodeControl(message));
  expect(decoded).toEqual(message);
  return tracker.handle(decoded as ControlMessage);
}

describe('EditTracker settles edit drafts from control messages', () => {
  it('an ack reaching clockEnd accepts; a lower clock leaves the draft pending', () => {
    const tracker = new EditTracker([draft('a', 7, 0, 2), draft('b', 7, 2, 5)], () => 100);
    expect(feed(tracker, { t: 'ack', clients: { '7': 3 } })).toEqual([{ type: 'settled', draft: { ...draft('a', 7, 0, 2), state: 'accepted', settledAt: 100 } }]);
    expect(tracker.size).toBe(1);
    expect(feed(tracker, { t: 'ack', clients: { '8': 99 } })).toEqual([]);
    const events = feed(tracker, { t: 'ack', clients: { '7': 5 } });
    expect(events.map((e) => e.type === 'settled' && [e.draft.id, e.draft.state])).toEqual([['b', 'accepted']]);
  });

  it('refused rejects exactly the drafts whose range overlaps, and the following ack accepts the rest', () => {
    const tracker = new EditTracker([draft('a', 7, 0, 2), draft('b', 7, 2, 5), draft('c', 9, 0, 1)]);
    const refused = feed(tracker, { t: 'refused', code: 'READ_ONLY', message: 'no edit right', path: ['meta', 'name'], ranges: [{ client: 7, clock: 4, length: 1 }] });
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ type: 'settled', draft: { id: 'b', state: 'rejected', code: 'READ_ONLY', message: 'no edit right' } });
    const acked = feed(tracker, { t: 'ack', clients: { '7': 5, '9': 1 } });
    expect(acked.map((e) => e.type === 'settled' && `${e.draft.id}:${e.draft.state}`)).toEqual(['a:accepted', 'c:accepted']);
  });

  it('a range ending where a draft starts does not touch it', () => {
    const tracker = new EditTracker([draft('b', 7, 2, 5)]);
    expect(feed(tracker, { t: 'refused', code: 'INVALID_VALUE', message: 'x', ranges: [{ client: 7, clock: 0, length: 2 }] })).toEqual([]);
  });

  it.each(['ACCESS_REVOKED', 'NOT_A_READER'])('closing %s rejects every pending draft and removes the copy', (code) => {
    const tracker = new EditTracker([draft('a', 7, 0, 2), draft('b', 8, 0, 1)]);
    const events = feed(tracker, { t: 'closing', code, message: 'gone' });
    expect(events.filter((e) => e.type === 'settled').map((e) => e.type === 'settled' && [e.draft.id, e.draft.state, e.draft.code])).toEqual([
      ['a', 'rejected', code],
      ['b', 'rejected', code],
    ]);
    expect(events.at(-1)).toEqual({ type: 'removed', code });
    expect(tracker.size).toBe(0);
  });

  it('closing RESET_REQUIRED asks for a reset, not a removal', () => {
    const tracker = new EditTracker([draft('a', 7, 0, 2)]);
    expect(feed(tracker, { t: 'closing', code: 'RESET_REQUIRED', message: 'reload' }).at(-1)).toEqual({ type: 'reset', code: 'RESET_REQUIRED' });
  });

  it('a known server clock accepts drafts delivered before a restart; settled drafts are not tracked', () => {
    const tracker = new EditTracker([draft('a', 7, 0, 2), { ...draft('z', 7, 2, 3), state: 'accepted' }]);
    expect(tracker.size).toBe(1);
    expect(tracker.acceptCovered(new Map([[7, 2]])).map((e) => e.type)).toEqual(['settled']);
  });

  it('welcome and frames of other types are ignored', () => {
    const tracker = new EditTracker([draft('a', 7, 0, 2)]);
    expect(feed(tracker, { t: 'welcome', protocol: 1, username: 'alice', doc: 'exp-exp00000001', access: 'owner' })).toEqual([]);
    expect(decodeControlFrame(new Uint8Array([0, 0, 0]))).toBeNull();
    expect(decodeControlFrame(new Uint8Array([10, 3, 120, 120, 120]))).toBeNull();
  });
});
