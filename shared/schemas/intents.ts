import { z } from 'zod';
import { DraftId, Email, ExperimentId, ExperimentName, GateId, GrantRole, Username } from './entities.ts';
import { ProjectId, ProjectName, ProjectPolicy, ProjectRoleSchema } from './project.ts';

/**
 * Sharing changes are intents: the client asks, the server decides with the rules and writes
 * the result itself. `id` is the draft id, which makes a resent intent idempotent.
 */
const base = { id: DraftId, experimentId: ExperimentId };
/** A username, or an email address the server resolves to one. */
const UserRef = z.string().trim().min(2).max(254);

export const SHARE_MESSAGE_MAX_CHARS = 500;
export const SHARE_MESSAGE_MAX_LINES = 12;
// Line breaks are the only control characters allowed; direction overrides and invisible
// joiners are refused because they can make a message read differently from what it holds.
const disallowedInMessage = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/;

/**
 * The sharer's note in the share mail: plain text, bounded, a few lines. It only ever goes into
 * a mail's body (never a header), quoted as the sharer's words and escaped in HTML.
 */
export const ShareMessage = z
  .string()
  .transform((text) => text.replace(/\r\n?/g, '\n').trim())
  .pipe(
    z
      .string()
      .max(SHARE_MESSAGE_MAX_CHARS, `at most ${SHARE_MESSAGE_MAX_CHARS} characters`)
      .refine((text) => !disallowedInMessage.test(text), 'control or invisible characters are not allowed')
      .refine((text) => text.split('\n').length <= SHARE_MESSAGE_MAX_LINES, `at most ${SHARE_MESSAGE_MAX_LINES} lines`),
  );

export const IntentType = {
  create: 'create',
  share: 'share',
  unshare: 'unshare',
  publish: 'publish',
  unpublish: 'unpublish',
  link: 'link',
  clone: 'clone',
  curate: 'curate',
  markViewed: 'mark-viewed',
  connect: 'connect',
  accept: 'accept',
  reject: 'reject',
  disconnect: 'disconnect',
  trash: 'trash',
  restore: 'restore',
  delete: 'delete',
  requestCuration: 'request-curation',
  move: 'move',
  exportGate: 'export-gate',
  projectCreate: 'project-create',
  projectRename: 'project-rename',
  projectMember: 'project-member',
  projectPolicy: 'project-policy',
} as const;
export type IntentType = (typeof IntentType)[keyof typeof IntentType];

/*
 * One schema per intent, each registered with its rule, description and server decision in the
 * intent tables (shared/actions/intent-table.ts, sync-server/intents/intent-table.ts; see
 * docs/intents.md).
 */
export const CreateIntent = z.strictObject({ ...base, type: z.literal(IntentType.create), name: ExperimentName });
export const ShareIntent = z.strictObject({
  ...base,
  type: z.literal(IntentType.share),
  user: UserRef,
  /** Mail the person (default true; their own preference can still turn share mail off). */
  notify: z.boolean().optional(),
  message: ShareMessage.optional(),
  /**
   * Premium servers: if the two are not connected, send a connection request and keep the
   * share waiting until it is accepted, instead of refusing NOT_CONNECTED.
   */
  connect: z.boolean().optional(),
  /** The role the share gives (default full); sharing again with another role changes it. */
  role: GrantRole.optional(),
  /** The grant ends at this instant (ms since the epoch); absent: the grant is permanent. */
  until: z.number().int().positive().optional(),
});
export const UnshareIntent = z.strictObject({ ...base, type: z.literal(IntentType.unshare), user: UserRef });
/** With `at`: an embargo, public from that instant (ms since the epoch) and not before. */
export const PublishIntent = z.strictObject({ ...base, type: z.literal(IntentType.publish), at: z.number().int().positive().optional() });
export const UnpublishIntent = z.strictObject({ ...base, type: z.literal(IntentType.unpublish) });
export const LinkIntent = z.strictObject({ ...base, type: z.literal(IntentType.link), parentId: ExperimentId.nullable() });
export const CloneIntent = z.strictObject({
  ...base,
  type: z.literal(IntentType.clone),
  newId: ExperimentId,
  linked: z.boolean(),
  /** Copy the FCS files only, not sample tags and gates. */
  filesOnly: z.boolean().optional(),
});
export const CurateIntent = z.strictObject({ ...base, type: z.literal(IntentType.curate), curated: z.boolean() });
export const MarkViewedIntent = z.strictObject({ ...base, type: z.literal(IntentType.markViewed) });
export const TrashIntent = z.strictObject({ ...base, type: z.literal(IntentType.trash) });
export const RestoreIntent = z.strictObject({ ...base, type: z.literal(IntentType.restore) });
export const DeleteIntent = z.strictObject({ ...base, type: z.literal(IntentType.delete) });
export const RequestCurationIntent = z.strictObject({ ...base, type: z.literal(IntentType.requestCuration) });
/** Into a project, or out of its project with `projectId: null`. */
export const MoveIntent = z.strictObject({ ...base, type: z.literal(IntentType.move), projectId: ProjectId.nullable() });
/** An analysis: the events inside a gate become a new linked experiment (new FCS files). */
export const ExportGateIntent = z.strictObject({ ...base, type: z.literal(IntentType.exportGate), gateId: GateId, newId: ExperimentId });
// Projects
export const ProjectCreateIntent = z.strictObject({ id: DraftId, type: z.literal(IntentType.projectCreate), projectId: ProjectId, name: ProjectName });
export const ProjectRenameIntent = z.strictObject({ id: DraftId, type: z.literal(IntentType.projectRename), projectId: ProjectId, name: ProjectName });
/** Adds a member, changes a role, or (role null) removes the member. */
export const ProjectMemberIntent = z.strictObject({ id: DraftId, type: z.literal(IntentType.projectMember), projectId: ProjectId, user: z.string().trim().min(2).max(254), role: ProjectRoleSchema.nullable() });
export const ProjectPolicyIntent = z.strictObject({ id: DraftId, type: z.literal(IntentType.projectPolicy), projectId: ProjectId, policy: ProjectPolicy });
// Connections concern two accounts, not an experiment.
export const ConnectIntent = z.strictObject({ id: DraftId, type: z.literal(IntentType.connect), email: Email });
export const AcceptIntent = z.strictObject({ id: DraftId, type: z.literal(IntentType.accept), user: Username });
export const RejectIntent = z.strictObject({ id: DraftId, type: z.literal(IntentType.reject), user: Username });
export const DisconnectIntent = z.strictObject({ id: DraftId, type: z.literal(IntentType.disconnect), user: Username });

export const Intent = z.discriminatedUnion('type', [
  CreateIntent, ShareIntent, UnshareIntent, PublishIntent, UnpublishIntent, LinkIntent, CloneIntent, CurateIntent, MarkViewedIntent,
  TrashIntent, RestoreIntent, DeleteIntent, RequestCurationIntent, MoveIntent, ExportGateIntent,
  ProjectCreateIntent, ProjectRenameIntent, ProjectMemberIntent, ProjectPolicyIntent,
  ConnectIntent, AcceptIntent, RejectIntent, DisconnectIntent,
]);
export type Intent = z.infer<typeof Intent>;
export type ExperimentIntent = Extract<Intent, { experimentId: string }>;
export type ProjectIntent = Extract<Exclude<Intent, ExperimentIntent>, { projectId: string }>;
export type ConnectionIntent = Exclude<Intent, ExperimentIntent | ProjectIntent>;

export function isProjectIntent(intent: Intent): intent is ProjectIntent {
  return !('experimentId' in intent) && 'projectId' in intent;
}

export function isExperimentIntent(intent: Intent): intent is ExperimentIntent {
  return 'experimentId' in intent;
}
export type IntentOf<T extends IntentType> = Extract<Intent, { type: T }>;

export const SkippedExperiment = z.strictObject({ experimentId: ExperimentId, code: z.string() });

/** What the server answers to an intent. `resent` marks an answer replayed for a duplicate. */
export const IntentResult = z.union([
  z.strictObject({
    ok: z.literal(true),
    draftId: DraftId,
    affected: z.array(ExperimentId),
    skipped: z.array(SkippedExperiment),
    resent: z.boolean(),
    /** A share waiting for this user to accept the connection request it sent. */
    waitingFor: z.string().optional(),
  }),
  z.strictObject({
    ok: z.literal(false),
    draftId: DraftId,
    code: z.string(),
    message: z.string(),
    path: z.array(z.string()).optional(),
    resent: z.boolean(),
  }),
]);
export type IntentResult = z.infer<typeof IntentResult>;

export { Username };

/**
 * A dry run (`POST /api/intents/check`): sharing changes the server evaluates with the rules
 * against its current state without applying any. No draft id: nothing is recorded. Share only
 * for now, the one intent bulk sharing needs.
 */
export const IntentCheck = z.strictObject({ type: z.literal(IntentType.share), experimentId: ExperimentId, user: UserRef });
export type IntentCheck = z.infer<typeof IntentCheck>;
export const IntentCheckRequest = z.strictObject({ intents: z.array(IntentCheck).min(1) });

/** One verdict per checked intent, in order: what the real intent would have been answered. */
export const IntentCheckVerdict = z.union([
  z.strictObject({ ok: z.literal(true), affected: z.array(ExperimentId), skipped: z.array(SkippedExperiment) }),
  z.strictObject({ ok: z.literal(false), code: z.string(), message: z.string(), path: z.array(z.string()).optional() }),
]);
export type IntentCheckVerdict = z.infer<typeof IntentCheckVerdict>;
export const IntentCheckAnswer = z.strictObject({ verdicts: z.array(IntentCheckVerdict) });
export type IntentCheckAnswer = z.infer<typeof IntentCheckAnswer>;
