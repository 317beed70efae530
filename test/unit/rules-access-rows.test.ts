import { describe, expect, it } from 'vitest';
import { accessList } from '../../shared/rules/access.ts';
import { newSharing } from '../../shared/rules/intents.ts';
import type { ProjectState } from '../../shared/schemas/project.ts';

/** The Sharing dialog's rows: owner, direct full access, then the project's people by role and policy. */
const exp = { ...newSharing('exp-target1', 'olivia'), projectId: 'proj-00001', grants: { frank: { by: 'olivia', at: 1 } } };
const project = (policy: ProjectState['policy']): ProjectState => ({
  id: 'proj-00001', name: 'Lab', policy,
  members: { olivia: 'manager', mia: 'manager', leo: 'leader', mo: 'member', frank: 'member' },
});

describe('access rows', () => {
  it('full policy: leaders and members have full access; direct access wins over membership', () => {
    expect(accessList(exp, project({ access: 'full' }))).toEqual([
      { user: 'olivia', via: 'owner' },
      { user: 'frank', via: 'direct' },
      { user: 'leo', via: 'project-member', role: 'leader', level: 'full' },
      { user: 'mia', via: 'project-manager', role: 'manager', level: 'full' },
      { user: 'mo', via: 'project-member', role: 'member', level: 'full' },
    ]);
  });
  it.each([
    [{ illustrations: 'view-only', cloning: 'disabled' }, { download: false, illustrate: false, clone: 'disabled' }],
    [{ illustrations: 'create', cloning: 'files-only' }, { download: true, illustrate: true, clone: 'files-only' }],
    [{ illustrations: 'view-only', cloning: 'full' }, { download: true, illustrate: false, clone: 'full' }],
  ] as const)('restricted %o gives members %o; managers stay full', (levels, rights) => {
    const rows = accessList(exp, project({ access: 'restricted', ...levels }));
    expect(rows.find((r) => r.user === 'mo')).toEqual({ user: 'mo', via: 'project-member', role: 'member', level: 'restricted', rights });
    expect(rows.find((r) => r.user === 'leo')).toMatchObject({ role: 'leader', level: 'restricted', rights });
    expect(rows.find((r) => r.user === 'mia')).toMatchObject({ level: 'full' });
  });
  it('people mirrored without the policy: roles, no levels', () => {
    expect(accessList(exp, { id: 'proj-00001', members: { leo: 'leader' } })).toContainEqual({ user: 'leo', via: 'project-member', role: 'leader' });
  });
});
