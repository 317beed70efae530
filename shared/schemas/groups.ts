import { z } from 'zod';
import { ExperimentId, singleLine, Username } from './entities.ts';
import { ShareMessage } from './intents.ts';

/** Group ids are made by the server: `g-` and 16 hex digits. */
export const GroupId = z.string().regex(/^g-[0-9a-f]{16}$/, 'not a group id');
export type GroupId = z.infer<typeof GroupId>;
export const GroupName = singleLine('a group name').trim().min(1, 'a group name is required').max(100);

/** A group as the store keeps it. The owner is always one of its members. */
export type GroupRecord = { id: string; name: string; owner: string; members: string[]; createdAt: number };

export { GroupGrant } from './entities.ts';

/** How a group is named in a request: its id, or its name when unique among the caller's groups. */
export const GroupRef = z.string().trim().min(1).max(100);

export const GroupCreateRequest = z.strictObject({ name: GroupName });
export const GroupMemberRequest = z.strictObject({ user: z.string().trim().min(2).max(254), remove: z.boolean().optional() });
/** `share ID @GROUP` (or, with `unshare`, its removal). Only `full` exists for groups so far. */
export const GroupShareRequest = z.strictObject({
  experimentId: ExperimentId,
  group: GroupRef,
  unshare: z.boolean().optional(),
  role: z.literal('full').optional(),
  /** As for a direct share: each member who gains access is mailed once unless `notify` is false. */
  notify: z.boolean().optional(),
  message: ShareMessage.optional(),
});
export type GroupShareRequest = z.infer<typeof GroupShareRequest>;

export const GroupSummary = z.strictObject({
  id: GroupId,
  name: GroupName,
  owner: Username,
  members: z.array(Username),
  mine: z.boolean(),
});
export type GroupSummary = z.infer<typeof GroupSummary>;
export const GroupCreated = z.strictObject({ id: GroupId });
export const GroupShareAnswer = z.strictObject({
  group: GroupId,
  affected: z.array(ExperimentId),
  skipped: z.array(z.strictObject({ experimentId: ExperimentId, code: z.string() })),
});
export type GroupShareAnswer = z.infer<typeof GroupShareAnswer>;
