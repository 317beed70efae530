import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../shared/codes.ts';
import { can, Capability } from '../../shared/rules/access.ts';
import { accessEndsAt, inForce, nextChangeAt, SHARING_DATE_MAX_MS } from '../../shared/rules/expiry.ts';
import { applyIntent, newSharing, planIntent, type IntentContext } from '../../shared/rules/intents.ts';
import { ServerMode, type SharingState } from '../../shared/schemas/entities.ts';
import { IntentType, type ExperimentIntent as Intent } from '../../shared/schemas/intents.ts';

const NOW = 1_800_000_000_000;
const DAY = 24 * 3600_000;
const olivia = { username: 'olivia', staff: false };
const frank = { username: 'frank', staff: false };

function exp(grants: Record<string, number | undefined>, extra: Partial<SharingState> = {}): SharingState {
  const state = newSharing('exp-00000001', 'olivia');
  for (const [user, until] of Object.entries(grants)) state.grants[user] = { by: 'olivia', at: NOW - DAY, ...(until !== undefined ? { until } : {}) };
  return { ...state, ...extra };
}
const ctx = (state: SharingState): IntentContext => ({ experiments: new Map([[state.id, state]]), mode: ServerMode.enterprise, resolveUser: (u) => u, now: NOW });
const share = (until?: number): Intent => ({ id: 'draft-0001', type: IntentType.share, experimentId: 'exp-00000001', user: 'frank', ...(until !== undefined ? { until } : {}) });
const publishAt = (at?: number): Intent => ({ id: 'draft-0002', type: IntentType.publish, experimentId: 'exp-00000001', ...(at !== undefined ? { at } : {}) });
const verdictCode = (v: { ok: boolean; code?: string }) => (v.ok ? 'ok' : v.code);

describe('a grant that ends', () => {
  it.each([
    ['no end', undefined, 'ok'],
    ['ends tomorrow', NOW + DAY, 'ok'],
    ['ends this instant', NOW, ErrorCode.NOT_A_READER],
    ['ended yesterday', NOW - DAY, ErrorCode.NOT_A_READER],
  ])('%s: viewing at now gives %s', (_name, until, expected) => {
    expect(verdictCode(can(inForce(exp({ frank: until }), NOW), frank, Capability.view))).toBe(expected);
  });

  it('leaves other grants and the owner alone, and the next change is the earliest end', () => {
    const state = exp({ frank: NOW - 1, gina: NOW + DAY, sam: undefined });
    expect(Object.keys(inForce(state, NOW).grants).sort()).toEqual(['gina', 'sam']);
    expect(verdictCode(can(inForce(state, NOW), olivia, Capability.manageSharing))).toBe('ok');
    expect(nextChangeAt(state)).toBe(NOW - 1);
    const permanent = exp({ sam: undefined });
    expect(inForce(permanent, NOW)).toBe(permanent);
  });
});

describe('sharing with an end date', () => {
  it.each([
    ['in the past', NOW - 1, ErrorCode.SHARE_EXPIRY],
    ['now', NOW, ErrorCode.SHARE_EXPIRY],
    ['beyond five years', NOW + SHARING_DATE_MAX_MS + 1, ErrorCode.SHARE_EXPIRY],
    ['next month', NOW + 30 * DAY, 'ok'],
  ])('%s: %s', (_name, until, expected) => {
    const plan = planIntent(share(until), olivia, ctx(exp({})));
    expect(verdictCode(plan.verdict)).toBe(expected);
    if (!plan.verdict.ok) expect(plan.verdict.path).toEqual(['until']);
  });

  it('sharing again changes the end, or removes it; the same end again changes nothing', () => {
    const timed = exp({ frank: NOW + DAY });
    expect(planIntent(share(NOW + DAY), olivia, ctx(timed)).affected).toEqual([]);
    const longer = planIntent(share(NOW + 9 * DAY), olivia, ctx(timed));
    expect(applyIntent(share(NOW + 9 * DAY), longer, timed, olivia, NOW).grants.frank).toEqual({ by: 'olivia', at: NOW - DAY, until: NOW + 9 * DAY });
    const permanent = planIntent(share(), olivia, ctx(timed));
    expect(permanent.affected).toEqual(['exp-00000001']);
    expect(applyIntent(share(), permanent, timed, olivia, NOW).grants.frank).toEqual({ by: 'olivia', at: NOW - DAY });
  });
});

describe('an embargo', () => {
  it.each([
    ['tomorrow', NOW + DAY, 'ok'],
    ['in the past', NOW - DAY, ErrorCode.SHARE_EXPIRY],
    ['beyond five years', NOW + SHARING_DATE_MAX_MS + 1, ErrorCode.SHARE_EXPIRY],
  ])('publish at %s: %s', (_name, at, expected) => {
    expect(verdictCode(planIntent(publishAt(at), olivia, ctx(exp({}))).verdict)).toBe(expected);
  });

  it('is not public before its date, is public from it, and unpublish cancels it', () => {
    const plan = planIntent(publishAt(NOW + DAY), olivia, ctx(exp({})));
    const embargoed = applyIntent(publishAt(NOW + DAY), plan, exp({}), olivia, NOW);
    expect(embargoed).toMatchObject({ public: false, publishAt: NOW + DAY });
    expect(verdictCode(can(inForce(embargoed, NOW + DAY - 1), frank, Capability.view))).toBe(ErrorCode.NOT_A_READER);
    expect(verdictCode(can(inForce(embargoed, NOW + DAY), frank, Capability.view))).toBe('ok');
    expect(inForce(embargoed, NOW + DAY)).toMatchObject({ public: true, publishAt: null });
    const unpublish: Intent = { id: 'draft-0003', type: IntentType.unpublish, experimentId: 'exp-00000001' };
    const cancelled = applyIntent(unpublish, planIntent(unpublish, olivia, ctx(embargoed)), embargoed, olivia, NOW);
    expect(verdictCode(can(inForce(cancelled, NOW + 2 * DAY), frank, Capability.view))).toBe(ErrorCode.NOT_A_READER);
  });

  it('a trashed experiment stays unpublished when its embargo comes due', () => {
    expect(inForce(exp({}, { publishAt: NOW, trashed: true }), NOW).public).toBe(false);
  });
});

describe('when access ends, for lists', () => {
  it('is the end of the direct share unless something else still gives access', () => {
    expect(accessEndsAt(exp({ frank: NOW + DAY }), 'frank')).toBe(NOW + DAY);
    expect(accessEndsAt(exp({ frank: undefined }), 'frank')).toBeUndefined();
    const project = { id: 'proj-0001', name: 'Lab', members: { frank: 'member' as const }, policy: { access: 'full' as const } };
    expect(accessEndsAt(exp({ frank: NOW + DAY }, { projectId: 'proj-0001' }), 'frank', project)).toBeUndefined();
  });
});
