import { describe, expect, it } from 'vitest';
import { explainAccess } from '../../shared/rules/access-explain.ts';
import { accessOf } from '../../shared/rules/access.ts';
import { inForce } from '../../shared/rules/expiry.ts';
import { applyIntent, newSharing, planIntent, type IntentContext } from '../../shared/rules/intents.ts';
import { ServerMode, type Grant, type GrantRole, type SharingState } from '../../shared/schemas/entities.ts';
import { IntentType, type ExperimentIntent as Intent } from '../../shared/schemas/intents.ts';

/** A direct share carries a role (h/roles) and an end (h/until) at once; each of them decides. */
const NOW = 1_800_000_000_000;
const DAY = 24 * 3600_000;
const olivia = { username: 'olivia', staff: false };

function exp(frank?: Grant): SharingState {
  const state = newSharing('exp-00000001', 'olivia');
  return frank ? { ...state, grants: { frank } } : state;
}
const ctx = (state: SharingState): IntentContext => ({ experiments: new Map([[state.id, state]]), mode: ServerMode.enterprise, resolveUser: (u) => u, now: NOW });
const share = (role?: GrantRole, until?: number): Intent => ({
  id: 'draft-0001', type: IntentType.share, experimentId: 'exp-00000001', user: 'frank',
  ...(role ? { role } : {}), ...(until !== undefined ? { until } : {}),
});
const after = (intent: Intent, state: SharingState) => {
  const plan = planIntent(intent, olivia, ctx(state));
  return { affected: plan.affected, grant: applyIntent(intent, plan, state, olivia, NOW).grants.frank };
};

describe('a share with a role and an end', () => {
  const viewerUntil = { by: 'olivia', at: NOW - DAY, role: 'viewer', until: NOW + DAY } as const;

  it('stores both, and the same role with the same end changes nothing', () => {
    expect(after(share('viewer', NOW + DAY), exp()).grant).toEqual({ by: 'olivia', at: NOW, role: 'viewer', until: NOW + DAY });
    expect(after(share('viewer', NOW + DAY), exp(viewerUntil)).affected).toEqual([]);
  });

  it('another role or another end changes the grant in place (who gave it and when kept)', () => {
    expect(after(share('full', NOW + DAY), exp(viewerUntil))).toEqual({ affected: ['exp-00000001'], grant: { by: 'olivia', at: NOW - DAY, until: NOW + DAY } });
    expect(after(share('viewer'), exp(viewerUntil))).toEqual({ affected: ['exp-00000001'], grant: { by: 'olivia', at: NOW - DAY, role: 'viewer' } });
    expect(after(share('viewer', NOW + 9 * DAY), exp(viewerUntil)).grant).toEqual({ ...viewerUntil, until: NOW + 9 * DAY });
  });

  it('a viewer whose share ended has no access and no source of it once in force', () => {
    const ended = exp({ ...viewerUntil, until: NOW - 1 });
    expect(accessOf(exp(viewerUntil), 'frank')).toBe('viewer');
    expect(accessOf(inForce(ended, NOW), 'frank')).toBe('none');
    expect(explainAccess(inForce(ended, NOW), 'frank')).toEqual({ user: 'frank', access: 'none', sources: [], decidedBy: null });
  });
});
