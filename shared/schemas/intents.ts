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

export const Intent = z.discriminatedUnion('type', [
  z.strictObject({ ...base, type: z.literal(IntentType.create), name: ExperimentName }),
  z.strictObject({
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
  }),
  z.strictObject({ ...base, type: z.literal(IntentType.unshare), user: UserRef }),
  /** With `at`: an embargo, public from that instant (ms since the epoch) and not before. */
  z.strictObject({ ...base, type: z.literal(IntentType.publish), at: z.number().int().positive().optional() }),
  z.strictObject({ ...base, type: z.literal(IntentType.unpublish) }),
  z.strictObject({ ...base, type: z.literal(IntentType.link), parentId: ExperimentId.nullable() }),
  z.strictObject({
    ...base,
    type: z.literal(IntentType.clone),
    newId: ExperimentId,
    linked: z.boolean(),
    /** Copy the FCS files only, not sample tags and gates. */
    filesOnly: z.boolean().optional(),
  }),
  z.strictObject({ ...base, type: z.literal(IntentType.curate), curated: z.boolean() }),
  z.strictObject({ ...base, type: z.literal(IntentType.markViewed) }),
  z.strictObject({ ...base, type: z.literal(IntentType.trash) }),
  z.strictObject({ ...base, type: z.literal(IntentType.restore) }),
  z.strictObject({ ...base, type: z.literal(IntentType.delete) }),
  z.strictObject({ ...base, type: z.literal(IntentType.requestCuration) }),
  /** Into a project, or out of its project with `projectId: null`. */
  z.strictObject({ ...base, type: z.literal(IntentType.move), projectId: ProjectId.nullable() }),
  /** An analysis: the events inside a gate become a new linked experiment (new FCS files). */
  z.strictObject({ ...base, type: z.literal(IntentType.exportGate), gateId: GateId, newId: ExperimentId }),
  // Projects
  z.strictObject({ id: DraftId, type: z.literal(IntentType.projectCreate), projectId: ProjectId, name: ProjectName }),
  z.strictObject({ id: DraftId, type: z.literal(IntentType.projectRename), projectId: ProjectId, name: ProjectName }),
  /** Adds a member, changes a role, or (role null) removes the member. */
  z.strictObject({ id: DraftId, type: z.literal(IntentType.projectMember), projectId: ProjectId, user: z.string().trim().min(2).max(254), role: ProjectRoleSchema.nullable() }),
  z.strictObject({ id: DraftId, type: z.literal(IntentType.projectPolicy), projectId: ProjectId, policy: ProjectPolicy }),
  // Connections concern two accounts, not an experiment.
  z.strictObject({ id: DraftId, type: z.literal(IntentType.connect), email: Email }),
  z.strictObject({ id: DraftId, type: z.literal(IntentType.accept), user: Username }),
  z.strictObject({ id: DraftId, type: z.literal(IntentType.reject), user: Username }),
  z.strictObject({ id: DraftId, type: z.literal(IntentType.disconnect), user: Username }),
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
