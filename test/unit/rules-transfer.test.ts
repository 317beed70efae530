import { describe, expect, it } from 'vitest';
import { accessOf } from '../../shared/rules/access.ts';
import { inForce } from '../../shared/rules/expiry.ts';
import { applyGroupShare } from '../../shared/rules/groups.ts';
import { newSharing } from '../../shared/rules/intents.ts';
import { applyTransfer, checkTransferAnswer, planAcceptance, planTransferOffer, type TransferAnswer, type TransferContext } from '../../shared/rules/transfer.ts';
import type { Verdict } from '../../shared/rules/verdict.ts';
import type { Actor, SharingState } from '../../shared/schemas/entities.ts';
import type { GroupRecord } from '../../shared/schemas/groups.ts';
import type { TransferRecord, TransferRequest } from '../../shared/schemas/transfers.ts';

/** Rule tables for transfers of ownership (issue 14 item 6): each row asserts an exact code. */
const AT = 1_700_000_000_000;
const NOW = AT + 1_000;
const actor = (username: string): Actor => ({ username, staff: false });
const outcome = (v: Verdict) => (v.ok ? 'ok' : v.code);
const lab: GroupRecord = { id: 'g-00000000000000aa', name: 'lab', owner: 'gina', members: ['gina', 'gus'], createdAt: AT };

/** olivia's experiment: vic views, fay has full access, eve's share ended, the lab group shares it. */
function base(extra: Partial<SharingState> = {}): SharingState {
  const state = applyGroupShare(newSharing('exp-target1', 'olivia'), lab, false, 'olivia', AT);
  state.grants = { vic: { by: 'olivia', at: AT, role: 'viewer' }, fay: { by: 'olivia', at: AT }, eve: { by: 'olivia', at: AT, until: AT + 10 } };
  return { ...state, ...extra };
}

function ctx(target: SharingState, more: Partial<TransferContext> = {}): TransferContext {
  return {
    experiments: new Map([[target.id, inForce(target, NOW)]]),
    resolveUser: (ref) => (['olivia', 'vic', 'fay', 'eve', 'gus', 'rob', 'sam'].includes(ref) ? ref : null),
    mode: 'enterprise',
    pending: new Set(),
    ...more,
  };
}

describe('who may offer an experiment, to whom', () => {
  const rows: Array<[string, string, string, Partial<SharingState>, Partial<TransferContext>, string]> = [
    // [case, actor, receiver, state change, context change, code]
    ['owner to an account', 'olivia', 'rob', {}, {}, 'ok'],
    ['owner of an embargoed experiment', 'olivia', 'rob', { publishAt: AT + 86_400_000 }, {}, 'ok'],
    ['owner of a public one', 'olivia', 'rob', { public: true }, {}, 'ok'],
    ['full access is not ownership', 'fay', 'rob', {}, {}, 'OWNER_ONLY'],
    ['viewer', 'vic', 'rob', {}, {}, 'OWNER_ONLY'],
    ['group member', 'gus', 'rob', {}, {}, 'OWNER_ONLY'],
    ['expired share: a stranger now', 'eve', 'rob', {}, {}, 'NOT_A_READER'],
    ['stranger', 'sam', 'rob', {}, {}, 'NOT_A_READER'],
    ['stranger, public experiment', 'sam', 'rob', { public: true }, {}, 'OWNER_ONLY'],
    ['trashed', 'olivia', 'rob', { trashed: true }, {}, 'EXPERIMENT_TRASHED'],
    ['unknown receiver', 'olivia', 'nobody', {}, {}, 'UNKNOWN_USER'],
    ['to oneself', 'olivia', 'olivia', {}, {}, 'CANNOT_TRANSFER_TO_SELF'],
    ['premium, not connected', 'olivia', 'rob', {}, { mode: 'premium', isConnected: () => false }, 'NOT_CONNECTED'],
    ['premium, connected', 'olivia', 'rob', {}, { mode: 'premium', isConnected: () => true }, 'ok'],
    ['premium, receiver already shares it', 'olivia', 'fay', {}, { mode: 'premium', isConnected: () => false }, 'ok'],
    ['premium, expired share is no share', 'olivia', 'eve', {}, { mode: 'premium', isConnected: () => false }, 'NOT_CONNECTED'],
    ['enterprise needs no connection', 'olivia', 'rob', {}, { mode: 'enterprise', isConnected: () => false }, 'ok'],
    ['already offered', 'olivia', 'rob', {}, { pending: new Set(['exp-target1']) }, 'TRANSFER_PENDING'],
    ['too many offers waiting', 'olivia', 'rob', {}, { pendingOffers: 3, maxPendingOffers: 3 }, 'TOO_MANY_TRANSFERS'],
    ['within the bound', 'olivia', 'rob', {}, { pendingOffers: 2, maxPendingOffers: 3 }, 'ok'],
  ];
  it.each(rows)('%s', (_case, who, receiver, change, more, code) => {
    const target = base(change);
    expect(outcome(planTransferOffer({ experimentId: target.id, user: receiver }, actor(who), ctx(target, more)).verdict)).toBe(code);
  });

  it('an unknown experiment is UNKNOWN_EXPERIMENT', () => {
    expect(outcome(planTransferOffer({ experimentId: 'exp-missing1', user: 'rob' }, actor('olivia'), ctx(base())).verdict)).toBe('UNKNOWN_EXPERIMENT');
  });
});

describe('an offer sent again while it waits', () => {
  // olivia's offer of exp-target1 to rob waits; a retry must get it back, anything else is refused.
  const waiting = { id: 't-00000000000000ab', experimentId: 'exp-target1', receiver: 'rob', leave: false, family: false, experiments: ['exp-target1'] };
  const asFamily = { ...waiting, experimentId: 'exp-other01', family: true, experiments: ['exp-other01', 'exp-target1'] };
  const rows: Array<[string, string, Partial<TransferRequest>, Partial<TransferContext>, string, string | undefined]> = [
    // [case, actor, request change, context change, code, the offer answered with]
    ['the same offer again', 'olivia', {}, {}, 'ok', waiting.id],
    ['the same offer, by address (resolved to the same account)', 'olivia', { user: 'rob' }, { resolveUser: () => 'rob' }, 'ok', waiting.id],
    ['the same offer at the bound of waiting offers', 'olivia', {}, { pendingOffers: 3, maxPendingOffers: 3 }, 'ok', waiting.id],
    ['to someone else', 'olivia', { user: 'sam' }, {}, 'TRANSFER_PENDING', undefined],
    ['with --leave this time', 'olivia', { leave: true }, {}, 'TRANSFER_PENDING', undefined],
    ['with --family this time', 'olivia', { family: true }, {}, 'TRANSFER_PENDING', undefined],
    ['named alone, while a family offer moves it', 'olivia', {}, { offers: [asFamily], pending: new Set(asFamily.experiments) }, 'TRANSFER_PENDING', undefined],
    ['by someone who is not the owner', 'fay', {}, {}, 'OWNER_ONLY', undefined],
    ['after the experiment went to the trash', 'olivia', {}, {}, 'EXPERIMENT_TRASHED', undefined],
  ];
  it.each(rows)('%s', (name, who, change, more, code, resend) => {
    const target = base(name.includes('trash') ? { trashed: true } : {});
    const plan = planTransferOffer({ experimentId: target.id, user: 'rob', ...change }, actor(who), ctx(target, { offers: [waiting], pending: new Set(waiting.experiments), ...more }));
    expect(outcome(plan.verdict)).toBe(code);
    expect(plan.resend).toBe(resend);
    if (resend !== undefined) expect(plan.moving).toEqual(waiting.experiments);
  });
});

describe('the family', () => {
  // root (olivia) ← child (olivia) ← grandchild (fay); trashed sibling (olivia)
  const root = newSharing('exp-root0001', 'olivia');
  const child = newSharing('exp-child001', 'olivia', { parentId: root.id });
  const grand = newSharing('exp-grand001', 'fay', { parentId: child.id });
  const binned = { ...newSharing('exp-binned01', 'olivia', { parentId: root.id }), trashed: true };
  const members = new Map([root, child, grand, binned].map((e) => [e.id, e]));
  const plan = (family: boolean, pending: string[] = []) =>
    planTransferOffer({ experimentId: child.id, user: 'rob', family }, actor('olivia'), { experiments: members, mode: 'enterprise', pending: new Set(pending), resolveUser: (r) => r });

  it('--family moves what the giver owns; the rest stays, each with why', () => {
    const p = plan(true);
    expect(p.verdict.ok).toBe(true);
    expect(p.moving).toEqual([child.id, root.id]);
    expect(p.staying).toEqual([
      { experimentId: binned.id, owner: 'olivia', reason: 'trashed' },
      { experimentId: grand.id, owner: 'fay', reason: 'not-yours' },
    ]);
  });
  it('without --family only the named one moves; the others are listed as not asked', () => {
    const p = plan(false);
    expect(p.moving).toEqual([child.id]);
    expect(p.staying.find((s) => s.experimentId === root.id)?.reason).toBe('not-asked');
  });
  it('one offer moves at most maxExperiments; the bound counts what moves, not what stays', () => {
    const bounded = (family: boolean, maxExperiments: number) =>
      planTransferOffer({ experimentId: child.id, user: 'rob', family }, actor('olivia'), { experiments: members, mode: 'enterprise', pending: new Set(), resolveUser: (r) => r, maxExperiments });
    expect(outcome(bounded(true, 2).verdict)).toBe('ok');
    expect(bounded(true, 2).moving).toHaveLength(2);
    expect(bounded(true, 1)).toMatchObject({ moving: [], verdict: { ok: false, code: 'TOO_MANY_TRANSFER_EXPERIMENTS' } });
    expect(outcome(bounded(false, 1).verdict)).toBe('ok');
  });
  it('a family member already offered refuses the family offer, not the single one', () => {
    expect(outcome(plan(true, [root.id]).verdict)).toBe('TRANSFER_PENDING');
    expect(outcome(plan(false, [root.id]).verdict)).toBe('ok');
  });
});

describe('who may answer an offer', () => {
  const offer: TransferRecord = {
    id: 't-00000000000000aa', experimentId: 'exp-target1', giver: 'olivia', receiver: 'rob', leave: false, family: false,
    experiments: ['exp-target1'], status: 'pending', createdAt: AT, decidedAt: null,
  };
  const rows: Array<[string, TransferRecord | null, string, TransferAnswer, string]> = [
    ['receiver accepts', offer, 'rob', 'accept', 'ok'],
    ['receiver declines', offer, 'rob', 'decline', 'ok'],
    ['giver cancels', offer, 'olivia', 'cancel', 'ok'],
    ['giver cannot accept', offer, 'olivia', 'accept', 'NOT_THE_RECEIVER'],
    ['giver cannot decline', offer, 'olivia', 'decline', 'NOT_THE_RECEIVER'],
    ['receiver cannot cancel', offer, 'rob', 'cancel', 'OWNER_ONLY'],
    ['a viewer of the experiment learns nothing', offer, 'vic', 'accept', 'UNKNOWN_TRANSFER'],
    ['a stranger learns nothing', offer, 'sam', 'cancel', 'UNKNOWN_TRANSFER'],
    ['no such offer', null, 'rob', 'accept', 'UNKNOWN_TRANSFER'],
    ['accepted already', { ...offer, status: 'accepted' }, 'rob', 'accept', 'TRANSFER_DECIDED'],
    ['declined, then accepted', { ...offer, status: 'declined' }, 'rob', 'accept', 'TRANSFER_DECIDED'],
    ['cancelled, then cancelled', { ...offer, status: 'cancelled' }, 'olivia', 'cancel', 'TRANSFER_DECIDED'],
    ['withdrawn (experiment deleted), then accepted', { ...offer, status: 'withdrawn' }, 'rob', 'accept', 'UNKNOWN_EXPERIMENT'],
    ['withdrawn, then declined', { ...offer, status: 'withdrawn' }, 'rob', 'decline', 'UNKNOWN_EXPERIMENT'],
    ['withdrawn, then cancelled', { ...offer, status: 'withdrawn' }, 'olivia', 'cancel', 'UNKNOWN_EXPERIMENT'],
    ['withdrawn: a stranger still learns nothing', { ...offer, status: 'withdrawn' }, 'sam', 'accept', 'UNKNOWN_TRANSFER'],
  ];
  it.each(rows)('%s', (_case, transfer, who, answer, code) => expect(outcome(checkTransferAnswer(transfer, actor(who), answer))).toBe(code));

  it('acceptance re-checks the experiment: gone, given away or trashed meanwhile', () => {
    const state = base();
    const of = (s: SharingState) => new Map([[s.id, s]]);
    expect(outcome(planAcceptance(offer, of(state)).verdict)).toBe('ok');
    expect(outcome(planAcceptance(offer, new Map()).verdict)).toBe('UNKNOWN_EXPERIMENT');
    expect(outcome(planAcceptance(offer, of({ ...state, owner: 'fay' })).verdict)).toBe('OWNER_ONLY');
    expect(outcome(planAcceptance(offer, of({ ...state, trashed: true })).verdict)).toBe('EXPERIMENT_TRASHED');
  });
});

describe('after acceptance', () => {
  const rows: Array<[string, boolean, string, string, string]> = [
    // [case, leave, person, access before, access after]
    ['receiver owns it', false, 'rob', 'none', 'owner'],
    ['giver keeps full access', false, 'olivia', 'owner', 'full'],
    ['giver who leaves has none', true, 'olivia', 'owner', 'none'],
    ['a viewer stays a viewer', false, 'vic', 'viewer', 'viewer'],
    ['full access stays', true, 'fay', 'full', 'full'],
    ['a group member keeps the group', false, 'gus', 'full', 'full'],
  ];
  it.each(rows)('%s', (_case, leave, who, before, after) => {
    const state = inForce(base(), NOW);
    expect(accessOf(state, who)).toBe(before);
    expect(accessOf(applyTransfer(state, { giver: 'olivia', receiver: 'rob', leave }, NOW), who)).toBe(after);
  });
  it('a receiver who had a direct grant holds ownership, not both', () => {
    const next = applyTransfer(inForce(base(), NOW), { giver: 'olivia', receiver: 'fay', leave: false }, NOW);
    expect(next.owner).toBe('fay');
    expect(Object.hasOwn(next.grants, 'fay')).toBe(false);
    expect(next.grants.olivia).toEqual({ by: 'fay', at: NOW });
  });
  it('public, curated, embargo, project and links are unchanged', () => {
    const state = base({ public: true, curated: true, projectId: 'p-1', parentId: 'exp-parent01', publishAt: null });
    const next = applyTransfer(state, { giver: 'olivia', receiver: 'rob', leave: true }, NOW);
    expect({ ...next, owner: state.owner, grants: state.grants }).toEqual(state);
  });
});
