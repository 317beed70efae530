import { z } from 'zod';
import { DraftId, Email, ExperimentId, ExperimentName, Username } from './entities.ts';

/**
 * Sharing changes are intents: the client asks, the server decides with the rules and writes
 * the result itself. `id` is the draft id, which makes a resent intent idempotent.
 */
const base = { id: DraftId, experimentId: ExperimentId };
/** A username, or an email address the server resolves to one. */
const UserRef = z.string().trim().min(2).max(254);

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
} as const;
export type IntentType = (typeof IntentType)[keyof typeof IntentType];

export const Intent = z.discriminatedUnion('type', [
  z.strictObject({ ...base, type: z.literal(IntentType.create), name: ExperimentName }),
  z.strictObject({ ...base, type: z.literal(IntentType.share), user: UserRef }),
  z.strictObject({ ...base, type: z.literal(IntentType.unshare), user: UserRef }),
  z.strictObject({ ...base, type: z.literal(IntentType.publish) }),
  z.strictObject({ ...base, type: z.literal(IntentType.unpublish) }),
  z.strictObject({ ...base, type: z.literal(IntentType.link), parentId: ExperimentId.nullable() }),
  z.strictObject({
    ...base,
    type: z.literal(IntentType.clone),
    newId: ExperimentId,
    linked: z.boolean(),
  }),
  z.strictObject({ ...base, type: z.literal(IntentType.curate), curated: z.boolean() }),
  z.strictObject({ ...base, type: z.literal(IntentType.markViewed) }),
  // Connections concern two accounts, not an experiment.
  z.strictObject({ id: DraftId, type: z.literal(IntentType.connect), email: Email }),
  z.strictObject({ id: DraftId, type: z.literal(IntentType.accept), user: Username }),
  z.strictObject({ id: DraftId, type: z.literal(IntentType.reject), user: Username }),
  z.strictObject({ id: DraftId, type: z.literal(IntentType.disconnect), user: Username }),
]);
export type Intent = z.infer<typeof Intent>;
export type ExperimentIntent = Extract<Intent, { experimentId: string }>;
export type ConnectionIntent = Exclude<Intent, ExperimentIntent>;

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
