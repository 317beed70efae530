import { describe, expect, it } from 'vitest';
import { Envelope, Request, responseSchemas } from '../../extension/messages.ts';

const EXP = '0b1f2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

describe('the runtime messages', () => {
  it.each([
    { type: 'state' },
    { type: 'login', server: 'http://127.0.0.1:8787', username: 'alice', password: 'x' },
    { type: 'list', filter: 'shared', search: 'cd8' },
    { type: 'setTag', id: EXP, file: 'a.fcs', dimension: 'Donor', value: '7' },
    { type: 'addGate', id: EXP, gate: { name: 'Lymphocytes', xChannel: 'FSC-A', yChannel: 'SSC-A', rect: [0, 0, 1, 1] } },
    { type: 'connect', email: 'bob@example.org' },
    { type: 'offerTransfer', id: EXP, user: 'bob@example.org', leave: true, family: true },
  ])('accepts %j', (message) => {
    expect(Request.safeParse(message).success).toBe(true);
  });

  it.each([
    { type: 'login', server: 'not a url', username: 'alice', password: 'x' },
    { type: 'list', filter: 'everything' },
    { type: 'setTag', id: EXP, file: '', dimension: 'Donor', value: '7' },
    { type: 'share', id: EXP, user: 'bob', admin: true },
    { type: 'connect', email: 'bob' },
    { type: 'offerTransfer', id: EXP, user: 'b' },
    { type: 'offerTransfer', id: EXP, user: 'bob', keep: true },
  ])('refuses %j', (message) => {
    expect(Request.safeParse(message).success).toBe(false);
  });

  it('has a response schema for every request type', () => {
    const types = Request.options.map((option) => option.shape.type.value).sort();
    expect(Object.keys(responseSchemas).sort()).toEqual(types);
  });

  it('reads an experiment view that carries fields this UI does not know yet', () => {
    const view = {
      id: EXP, owner: 'alice', public: false, curated: false, parentId: null, clonedFrom: null, projectId: null, trashed: false,
      name: 'Panel', purpose: '', tags: [], gates: [], access: [{ user: 'alice', via: 'owner' }, { user: 'bob', via: 'project-member' }],
      can: { edit: true, manageSharing: true, clone: true, download: true, illustrate: true, trash: true }, family: [],
      files: [{ id: 'f1', name: 'a.fcs', events: 10, size: 100, channels: [] }], somethingNew: 1,
    };
    const parsed = responseSchemas.show.safeParse(view);
    expect(parsed.success).toBe(true);
    expect(parsed.data?.files?.[0]?.name).toBe('a.fcs');
  });

  it('envelopes carry a value or a code and message, nothing else', () => {
    expect(Envelope.safeParse({ ok: true, value: 1 }).success).toBe(true);
    expect(Envelope.safeParse({ ok: false, code: 'READ_ONLY', message: 'no' }).success).toBe(true);
    expect(Envelope.safeParse({ ok: false, code: 'READ_ONLY', message: 'no', stack: '…' }).success).toBe(false);
  });
});
