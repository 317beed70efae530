import type { z } from 'zod';
import { planConnectionIntent, type ConnectionContext } from '../rules/connections.ts';
import { planIntent, type IntentContext, type IntentPlan } from '../rules/intents.ts';
import { planProjectIntent, type ProjectContext, type ProjectPlan } from '../rules/projects.ts';
import type { Verdict } from '../rules/verdict.ts';
import type { Actor } from '../schemas/entities.ts';
import {
  AcceptIntent, CloneIntent, ConnectIntent, CreateIntent, CurateIntent, DeleteIntent, DisconnectIntent, ExportGateIntent, IntentType, LinkIntent,
  MarkViewedIntent, MoveIntent, ProjectCreateIntent, ProjectMemberIntent, ProjectPolicyIntent, ProjectRenameIntent, PublishIntent, RejectIntent,
  RequestCurationIntent, RestoreIntent, ShareIntent, TrashIntent, UnpublishIntent, UnshareIntent,
  type ExperimentIntent, type Intent, type IntentOf, type ProjectIntent,
} from '../schemas/intents.ts';

/**
 * The client-visible half of every intent, in one table: its schema, the pure rule that decides
 * it (the same function on the client's replica and on the server's state), the line a person
 * reads for its draft, the name the extension's pages send it under, and how the client treats
 * it. The extension's messages and worker handler, the client core's `intent` entry point and
 * the command line read this table; the server's half is sync-server/intents/intent-table.ts.
 * How to add an intent: docs/intents.md.
 */

/** What decides an intent: the rule of its scope, with the context that scope needs. */
export type IntentRule<T extends IntentType> =
  IntentOf<T> extends ExperimentIntent ? { scope: 'experiment'; plan: (intent: IntentOf<T>, actor: Actor, ctx: IntentContext) => IntentPlan }
  : IntentOf<T> extends ProjectIntent ? { scope: 'project'; plan: (intent: IntentOf<T>, actor: Actor, ctx: ProjectContext) => ProjectPlan }
  : { scope: 'connection'; plan: (intent: IntentOf<T>, actor: Actor, ctx: ConnectionContext) => Verdict };

/** A field the client fills with a fresh id for what the intent creates, and hands back. */
export type MadeIdField = 'experimentId' | 'newId' | 'projectId';

export type IntentAction<T extends IntentType> = {
  /** The intent's schema: one member of `Intent` (shared/schemas/intents.ts). */
  schema: z.ZodType<IntentOf<T>>;
  rule: IntentRule<T>;
  /** The draft's line in the list of changes waiting ("share with bob"). */
  describe: (intent: IntentOf<T>) => string;
  /** The request name the extension's pages send it under (extension/messages.ts). */
  message: string;
  /** The client makes this id (a new experiment or project) and answers it with the draft. */
  makes?: MadeIdField & keyof IntentOf<T>;
  /** Leaves out what only restates a default, so the draft and the history hold what the person chose. */
  normalize?: (intent: IntentOf<T>) => IntentOf<T>;
  /** A refused draft of it can be retried from the list of changes, as a new draft. */
  retry: boolean;
  /**
   * Only the owner may make it, whatever a project says: the client decides it without the
   * project (a project never makes anyone the owner), where it otherwise leaves it to the server.
   */
  ownerOnly?: true;
};

const onExperiment = { scope: 'experiment', plan: planIntent } as const;
const onProject = { scope: 'project', plan: planProjectIntent } as const;
const onConnection = { scope: 'connection', plan: planConnectionIntent } as const;

const policyWords = (intent: IntentOf<typeof IntentType.projectPolicy>) => {
  const { policy } = intent;
  return policy.access === 'full' ? 'full access' : `restricted (illustrations ${policy.illustrations}, cloning ${policy.cloning})`;
};

/** Mail on (the default), no connect, no message: left out of a share. */
function withoutShareDefaults(intent: IntentOf<typeof IntentType.share>): IntentOf<typeof IntentType.share> {
  const { notify, connect, message, ...rest } = intent;
  return { ...rest, ...(notify === false ? { notify } : {}), ...(message ? { message } : {}), ...(connect ? { connect } : {}) };
}

export const intentActions = {
  [IntentType.create]: { schema: CreateIntent, rule: onExperiment, message: 'create', makes: 'experimentId', retry: false, describe: (i) => `create "${i.name}"` },
  [IntentType.share]: {
    schema: ShareIntent, rule: onExperiment, message: 'share', retry: true, normalize: withoutShareDefaults,
    describe: (i) => `share with ${i.user}${i.role === 'viewer' ? ' (can view)' : ''}${i.connect ? ' (connecting first if needed)' : ''}`,
  },
  [IntentType.unshare]: { schema: UnshareIntent, rule: onExperiment, message: 'unshare', retry: true, describe: (i) => `remove ${i.user}` },
  [IntentType.publish]: {
    schema: PublishIntent, rule: onExperiment, message: 'publish', retry: true,
    describe: (i) => (i.at !== undefined ? `make public on ${new Date(i.at).toISOString()}` : 'make public'),
  },
  [IntentType.unpublish]: { schema: UnpublishIntent, rule: onExperiment, message: 'unpublish', retry: true, describe: () => 'make private' },
  [IntentType.link]: { schema: LinkIntent, rule: onExperiment, message: 'link', retry: true, describe: (i) => (i.parentId ? `link to ${i.parentId}` : 'unlink') },
  [IntentType.clone]: {
    schema: CloneIntent, rule: onExperiment, message: 'clone', makes: 'newId', retry: false,
    describe: (i) => `${i.linked ? 'linked ' : ''}clone${i.filesOnly ? ' (files only)' : ''}`,
  },
  [IntentType.curate]: { schema: CurateIntent, rule: onExperiment, message: 'curate', retry: false, describe: (i) => (i.curated ? 'mark curated' : 'unmark curated') },
  [IntentType.markViewed]: { schema: MarkViewedIntent, rule: onExperiment, message: 'markViewed', retry: true, describe: () => 'mark viewed' },
  [IntentType.trash]: { schema: TrashIntent, rule: onExperiment, message: 'trash', retry: false, ownerOnly: true, describe: () => 'move to trash' },
  [IntentType.restore]: { schema: RestoreIntent, rule: onExperiment, message: 'restore', retry: false, ownerOnly: true, describe: () => 'restore from trash' },
  [IntentType.delete]: { schema: DeleteIntent, rule: onExperiment, message: 'deleteForGood', retry: false, ownerOnly: true, describe: () => 'delete for good' },
  [IntentType.requestCuration]: {
    schema: RequestCurationIntent, rule: onExperiment, message: 'requestCuration', retry: false, ownerOnly: true, describe: () => 'ask staff to curate',
  },
  [IntentType.move]: {
    schema: MoveIntent, rule: onExperiment, message: 'move', retry: false,
    describe: (i) => (i.projectId ? `add to project ${i.projectId}` : 'remove from its project'),
  },
  [IntentType.exportGate]: { schema: ExportGateIntent, rule: onExperiment, message: 'exportGate', makes: 'newId', retry: false, describe: (i) => `export gate ${i.gateId}` },
  [IntentType.projectCreate]: {
    schema: ProjectCreateIntent, rule: onProject, message: 'createProject', makes: 'projectId', retry: false, describe: (i) => `create project "${i.name}"`,
  },
  [IntentType.projectRename]: { schema: ProjectRenameIntent, rule: onProject, message: 'renameProject', retry: false, describe: (i) => `rename project to "${i.name}"` },
  [IntentType.projectMember]: {
    schema: ProjectMemberIntent, rule: onProject, message: 'setProjectMember', retry: false,
    describe: (i) => (i.role ? `${i.user} as ${i.role}` : `remove ${i.user} from project`),
  },
  [IntentType.projectPolicy]: { schema: ProjectPolicyIntent, rule: onProject, message: 'setProjectPolicy', retry: false, describe: (i) => `members get ${policyWords(i)}` },
  [IntentType.connect]: { schema: ConnectIntent, rule: onConnection, message: 'connect', retry: true, describe: (i) => `connect with ${i.email}` },
  [IntentType.accept]: { schema: AcceptIntent, rule: onConnection, message: 'accept', retry: true, describe: (i) => `accept ${i.user}` },
  [IntentType.reject]: { schema: RejectIntent, rule: onConnection, message: 'reject', retry: true, describe: (i) => `reject ${i.user}` },
  [IntentType.disconnect]: { schema: DisconnectIntent, rule: onConnection, message: 'disconnect', retry: true, describe: (i) => `disconnect from ${i.user}` },
} as const satisfies { [T in IntentType]: IntentAction<T> };

export type IntentActions = typeof intentActions;

/** The table's entry for an intent type, typed by that type. */
export function intentAction<T extends IntentType>(type: T): IntentAction<T> {
  return intentActions[type] as unknown as IntentAction<T>;
}

/** What a caller gives for an intent: everything but the draft id, which the client core makes. */
export type IntentPayload<T extends IntentType> = T extends IntentType ? Omit<IntentOf<T>, 'id' | 'type' | MadeField<T>> : never;
/** The id an intent of this type creates, if any (see `makes`). */
export type MadeField<T extends IntentType> = IntentActions[T] extends { makes: infer F extends string } ? F : never;


/** The id an intent creates (its entry's `makes` field), or null for one that creates nothing. */
export function madeIdOf(intent: Intent): string | null {
  const { makes }: { makes?: MadeIdField } = intentAction(intent.type);
  const value: unknown = makes ? (intent as Record<string, unknown>)[makes] : undefined;
  return typeof value === 'string' ? value : null;
}
