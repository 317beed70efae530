import { describe, expect, it } from 'vitest';
import { hashToken } from '../../sync-server/auth/sessions.ts';
import { useHarnessPerTest } from './support/use-harness.ts';

/**
 * The history route refuses a session the way every other route does (http/signed-in.ts): a
 * client that handles a refusal once handles it on the history too.
 */
const h = useHarnessPerTest();

type Refusal = { status: number; code: string | undefined };

async function refusal(path: string, token: string): Promise<Refusal> {
  const res = await fetch(`${h.server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as { code?: string };
  return { status: res.status, code: body.code };
}

describe('who may read an experiment history', () => {
  it('a disabled account is refused on the history route with the status and code of the other routes', async () => {
    await h.start();
    const alice = await h.user('alice');
    const id = await alice.createExperiment('Disabled owner');
    const store = h.server.store;
    // A session that outlived the disabling (one added in a race with it): the account check must refuse it.
    const session = await store.findSession(hashToken(alice.token));
    expect(await store.setDisabled('alice', Date.now())).toBe(true);
    await store.addSession(session!);

    const other = await refusal('/api/catalog', alice.token);
    expect(other).toEqual({ status: 401, code: 'ACCOUNT_DISABLED' });
    expect(await refusal(`/api/experiments/${id}/audit`, alice.token)).toEqual(other);
  });

  it('a session limited to enrolling two-step sign-in is refused on the history route as on the other routes', async () => {
    await h.start();
    const alice = await h.user('alice');
    const id = await alice.createExperiment('Before the rule');
    await h.server.store.setTotpRequired(true);

    const other = await refusal('/api/catalog', alice.token);
    expect(other).toEqual({ status: 403, code: 'TOTP_ENROLMENT_REQUIRED' });
    expect(await refusal(`/api/experiments/${id}/audit`, alice.token)).toEqual(other);
  });
});
