import { z } from 'zod';
import { singleLine, Username } from './entities.ts';

/**
 * Projects group experiments and people. Managers administer the project and have full access
 * to its experiments; leaders and members (the split only organises people) get what the
 * managers set: full access, or restricted access with an illustrations and a cloning level.
 */
export const ProjectId = z.string().regex(/^[a-z0-9][a-z0-9-]{7,63}$/, 'not a project id');
export const ProjectName = singleLine('a project name').trim().min(1, 'a name is required').max(200);

export const ProjectRole = { manager: 'manager', leader: 'leader', member: 'member' } as const;
export type ProjectRole = (typeof ProjectRole)[keyof typeof ProjectRole];
export const ProjectRoleSchema = z.enum(ProjectRole);

export const IllustrationsLevel = { viewOnly: 'view-only', create: 'create' } as const;
export type IllustrationsLevel = (typeof IllustrationsLevel)[keyof typeof IllustrationsLevel];
export const CloningLevel = { disabled: 'disabled', filesOnly: 'files-only', full: 'full' } as const;
export type CloningLevel = (typeof CloningLevel)[keyof typeof CloningLevel];

export const ProjectPolicy = z.discriminatedUnion('access', [
  z.strictObject({ access: z.literal('full') }),
  z.strictObject({
    access: z.literal('restricted'),
    illustrations: z.enum(IllustrationsLevel),
    cloning: z.enum(CloningLevel),
  }),
]);
export type ProjectPolicy = z.infer<typeof ProjectPolicy>;

export const ProjectState = z.strictObject({
  id: ProjectId,
  name: z.string(),
  members: z.record(Username, ProjectRoleSchema),
  policy: ProjectPolicy,
});
export type ProjectState = z.infer<typeof ProjectState>;

/** A new project: its creator manages it, and members get full access until managers restrict it. */
export function newProject(id: string, name: string, creator: string): ProjectState {
  return { id, name, members: { [creator]: ProjectRole.manager }, policy: { access: 'full' } };
}
