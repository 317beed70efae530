import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../shared/codes.ts';
import { checkExplain, explainAccess, hiddenFrom } from '../../shared/rules/access-explain.ts';
import { accessOf } from '../../shared/rules/access.ts';
import { applyIntent, newSharing, planIntent, type IntentContext } from '../../shared/rules/intents.ts';
import type { SharingState } from '../../shared/schemas/entities.ts';
import type { ExperimentIntent } from '../../shared/schemas/intents.ts';
import type { ProjectState } from '../../shared/schemas/project.ts';

/** Roles per person on the intents (share, re-share, link) and the "why" of access. */
const AT = Date.UTC(2026, 0, 15);
const olivia = { username: 'olivia', staff: false };
function exp(id: string, grants: SharingState['grants'] = {}, extra: Partial<SharingState> = {}): SharingState {
  return { ...newSharing(id, 'olivia'), grants, ...extra };
}
const ctx = (...states: SharingState[]): IntentContext => ({ experiments: new Map(states.map((s) => [s.id, s])), mode: 'enterprise' });
function run(intent: ExperimentIntent, actor: typeof olivia, c: IntentContext) {
  const plan = planIntent(intent, actor, c);
  const after = plan.affected.map((id) => applyIntent(intent, plan, c.experiments.get(id) as SharingState, actor, AT + 1));
  return { plan, after };
}

describe('sharing with a role', () => {
  it('a share with the viewer role gives viewer access; without a role, full', () => {
    const { after } = run({ id: 'draft-0001', type: 'share', experimentId: 'exp-aaaaaaaa', user: 'vera', role: 'viewer' }, olivia, ctx(exp('exp-aaaaaaaa')));
    expect(after[0]?.grants.vera).toEqual({ by: 'olivia', at: AT + 1, role: 'viewer' });
    expect(accessOf(after[0] as SharingState, 'vera')).toBe('viewer');
    const full = run({ id: 'draft-0002', type: 'share', experimentId: 'exp-aaaaaaaa', user: 'frank' }, olivia, ctx(exp('exp-aaaaaaaa')));
    expect(full.after[0]?.grants.frank).toEqual({ by: 'olivia', at: AT + 1 });
  });

  it('sharing again with another role changes it; with the same role changes nothing', () => {
    const state = exp('exp-aaaaaaaa', { vera: { by: 'olivia', at: AT, role: 'viewer' } });
    const same = run({ id: 'draft-0003', type: 'share', experimentId: state.id, user: 'vera', role: 'viewer' }, olivia, ctx(state));
    expect(same.plan).toMatchObject({ verdict: { ok: true }, affected: [] });
    const upgraded = run({ id: 'draft-0004', type: 'share', experimentId: state.id, user: 'vera', role: 'full' }, olivia, ctx(state));
    expect(upgraded.plan.affected).toEqual([state.id]);
    expect(accessOf(upgraded.after[0] as SharingState, 'vera')).toBe('full');
    const down = run({ id: 'draft-0005', type: 'share', experimentId: state.id, user: 'vera', role: 'viewer' }, olivia, ctx(upgraded.after[0] as SharingState));
    expect(accessOf(down.after[0] as SharingState, 'vera')).toBe('viewer');
  });

  it('a viewer may not share, and a role change cascades through the family', () => {
    const parent = exp('exp-parent01', { vera: { by: 'olivia', at: AT, role: 'viewer' } });
    const child = exp('exp-child001', { vera: { by: 'olivia', at: AT, role: 'viewer' } }, { parentId: parent.id });
    const refused = planIntent({ id: 'draft-0006', type: 'share', experimentId: parent.id, user: 'sam' }, { username: 'vera', staff: false }, ctx(parent, child));
    expect(refused.verdict).toMatchObject({ ok: false, code: ErrorCode.NOT_A_SHARING_MANAGER });
    const { plan } = run({ id: 'draft-0007', type: 'share', experimentId: parent.id, user: 'vera', role: 'full' }, olivia, ctx(parent, child));
    expect(plan.affected).toEqual([parent.id, child.id]);
  });

  it('an experiment linked into a family gives its viewers viewer access, not more', () => {
    const parent = exp('exp-parent01', { vera: { by: 'olivia', at: AT, role: 'viewer' }, frank: { by: 'olivia', at: AT } });
    const joining = exp('exp-joining1');
    const { after } = run({ id: 'draft-0008', type: 'link', experimentId: joining.id, parentId: parent.id }, olivia, ctx(parent, joining));
    expect(accessOf(after[0] as SharingState, 'vera')).toBe('viewer');
    expect(accessOf(after[0] as SharingState, 'frank')).toBe('full');
  });
});

describe('why a person has access', () => {
  const project: ProjectState = { id: 'proj-lab00001', name: 'Lab', members: { mona: 'manager', mel: 'member' }, policy: { access: 'restricted', illustrations: 'view-only', cloning: 'disabled' } };
  const state = exp('exp-aaaaaaaa', { vera: { by: 'olivia', at: AT, role: 'viewer' }, mel: { by: 'olivia', at: AT, role: 'viewer' } }, { projectId: project.id, public: true });

  it('names every source, strongest first, and the one that decides', () => {
    expect(explainAccess(state, 'olivia', project)).toEqual({
      user: 'olivia', access: 'owner', decidedBy: 'owner', sources: [{ via: 'owner', role: 'owner', level: 'owner', detail: 'owns the experiment' }],
    });
    expect(explainAccess(state, 'mel', project)).toEqual({
      user: 'mel', access: 'restricted', decidedBy: 'project',
      sources: [
        { via: 'project', role: 'member', level: 'restricted', detail: 'member in project proj-lab00001 (restricted access)' },
        { via: 'direct', role: 'viewer', level: 'viewer', detail: 'shared to view by olivia on 2026-01-15' },
        { via: 'public', role: 'public', level: 'public', detail: 'the experiment is public' },
      ],
    });
    expect(explainAccess(state, 'vera', project)).toMatchObject({ access: 'viewer', decidedBy: 'direct' });
    expect(explainAccess(state, 'paula', project)).toMatchObject({ access: 'public', decidedBy: 'public', sources: [{ via: 'public' }] });
    expect(explainAccess({ ...state, public: false }, 'paula', project)).toEqual({ user: 'paula', access: 'none', sources: [], decidedBy: null });
  });

  it('agrees with the access level the rules give, for everyone', () => {
    for (const user of ['olivia', 'mona', 'mel', 'vera', 'paula']) {
      for (const s of [state, { ...state, public: false }, { ...state, trashed: true }]) expect(explainAccess(s, user, project).access).toBe(accessOf(s, user, project));
    }
  });

  it('only the owner and full access may ask; the preview hides what the person may not reach', () => {
    expect(checkExplain(state, { username: 'mona', staff: false }, project).ok).toBe(true);
    expect(checkExplain(state, { username: 'vera', staff: false }, project)).toMatchObject({ ok: false, code: ErrorCode.NOT_A_SHARING_MANAGER });
    expect(checkExplain({ ...state, public: false }, { username: 'sam', staff: false }, project)).toMatchObject({ ok: false, code: ErrorCode.NOT_A_READER });
    expect(hiddenFrom({ ...state, public: false }, 'vera', project)).toEqual(['history', 'downloads']);
    expect(hiddenFrom({ ...state, public: false }, 'sam', project)).toEqual(['experiment']);
    expect(hiddenFrom(state, 'mona', project)).toEqual([]);
  });
});
