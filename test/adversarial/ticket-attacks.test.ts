import { afterEach, describe, expect, it } from 'vitest';
import { writeFcs } from '../../shared/fcs/index.ts';
import { setAccountDisabled } from '../../sync-server/admin.ts';
import type { ServerLimits } from '../../sync-server/limits.ts';
import { startHarness, type Harness, type TestUser } from '../integration/support/harness.ts';

/**
 * File tickets (one upload or one download without the session token) against an account
 * that should have lost its access, and against an account hoarding tickets.
 */
const fcs = writeFcs({ channels: [{ name: 'FSC-A' }, { name: 'SSC-A' }], events: new Float64Array([1, 2, 3, 4, 5, 6]) }) as Uint8Array<ArrayBuffer>;

let h: Harness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

async function setUp(limits: Partial<ServerLimits> = {}): Promise<{ h: Harness; alice: TestUser; id: string; fileId: string }> {
  const harness = await startHarness({ limits });
  h = harness;
  const alice = await harness.user('alice');
  const id = await alice.createExperiment('Tickets');
  const put = await fetch(`${harness.server.url}/api/experiments/${id}/files?name=a.fcs`, { method: 'PUT', headers: { authorization: `Bearer ${alice.token}` }, body: fcs });
  const { fileId } = (await put.json()) as { fileId: string };
  return { h: harness, alice, id, fileId };
}

const ticketOf = async (user: TestUser, path: string) => {
  const res = await user.post(path, {});
  expect(res.status).toBe(200);
  return (res.body as { ticket: string }).ticket;
};

describe('a ticket dies with its session', () => {
  it('tickets issued before logout are refused on redeem, upload and download alike', async () => {
    const { h, alice, id, fileId } = await setUp();
    const up = await ticketOf(alice, `/api/experiments/${id}/upload-ticket`);
    const down = await ticketOf(alice, `/api/experiments/${id}/files/${fileId}/download-ticket`);
    expect((await alice.post('/api/logout', undefined)).status).toBe(204);
    const upload = await fetch(`${h.server.url}/api/experiments/${id}/files?name=b.fcs&ticket=${up}`, { method: 'PUT', body: fcs });
    expect(upload.status).toBe(401);
    expect(((await upload.json()) as { code: string }).code).toBe('NOT_SIGNED_IN');
    expect((await fetch(`${h.server.url}/api/experiments/${id}/files/${fileId}?ticket=${down}`)).status).toBe(401);
  });

  it('tickets issued before the account was disabled are refused with ACCOUNT_DISABLED', async () => {
    const { h, alice, id, fileId } = await setUp();
    const down = await ticketOf(alice, `/api/experiments/${id}/files/${fileId}/download-ticket`);
    const up = await ticketOf(alice, `/api/experiments/${id}/upload-ticket`);
    await setAccountDisabled(h.dataDir, 'alice', true);
    const download = await fetch(`${h.server.url}/api/experiments/${id}/files/${fileId}?ticket=${down}`);
    expect(download.status).toBe(401);
    expect(((await download.json()) as { code: string }).code).toMatch(/ACCOUNT_DISABLED|NOT_SIGNED_IN/);
    expect((await fetch(`${h.server.url}/api/experiments/${id}/files?name=b.fcs&ticket=${up}`, { method: 'PUT', body: fcs })).status).toBe(401);
  });
});

describe('tickets per account', () => {
  it('an account holds at most ticketsPerAccount unused tickets; a redeemed one frees a place', async () => {
    const { h, alice, id, fileId } = await setUp({ ticketsPerAccount: 3 });
    const path = `/api/experiments/${id}/files/${fileId}/download-ticket`;
    const tickets = [await ticketOf(alice, path), await ticketOf(alice, path), await ticketOf(alice, path)];
    expect(await alice.post(path, {})).toMatchObject({ status: 429, body: { code: 'TOO_MANY_ATTEMPTS' } });
    expect(await alice.post(`/api/experiments/${id}/upload-ticket`, {})).toMatchObject({ status: 429 });
    // Another account is not held back by alice's tickets.
    const bob = await h.user('bob');
    const other = await bob.createExperiment('Bob');
    expect((await bob.post(`/api/experiments/${other}/upload-ticket`, {})).status).toBe(200);
    expect((await fetch(`${h.server.url}/api/experiments/${id}/files/${fileId}?ticket=${tickets[0]}`)).status).toBe(200);
    expect((await alice.post(path, {})).status).toBe(200);
  });
});
