import { ErrorCode } from '../../shared/codes.ts';
import { RuleRefusal } from '../core/contract.ts';
import { CoreError } from '../core/errors.ts';
import { helpStatus, splitArgs, usage, UsageError } from './args.ts';
import { runEmail, runLogin, runLogout, runPassword, runPrefs, runSessions, runSignup, runTotp, runVerify, runWhoami } from './cmd-account.ts';
import { runAdmin, runServer } from './cmd-admin.ts';
import { runContent, runExp, runSharing } from './cmd-experiments.ts';
import { runDrafts, runSync } from './cmd-sync.ts';
import { runConnectionAction, runConnections } from './cmd-connections.ts';
import { runProject } from './cmd-projects.ts';
import { runFile } from './cmd-files.ts';
import { runReviewLink } from './cmd-review-links.ts';
import { runGroup } from './cmd-groups.ts';
import { runTransfer } from './cmd-transfer.ts';
import { runAudit } from './cmd-audit.ts';
import { runAccess } from './cmd-access.ts';
import { runFigure } from './cmd-figures.ts';
import { runLifecycle } from './cmd-lifecycle.ts';
import { runArchive } from './cmd-archive.ts';
import { makeCtx, type Ctx } from './context.ts';
import { CorruptFileError } from './file-store.ts';
import { CliExit, Exit, Output } from './output.ts';

/**
 * The `cytoshare` command line. Every failure ends here and becomes one exit status and one
 * `error CODE: words` line; raw exception text is never printed (it can hold tokens or paths
 * of the server), except for a profile file the user must repair, whose path is named.
 */
const commands: Record<string, (ctx: Ctx) => Promise<Exit>> = {
  server: runServer,
  admin: runAdmin,
  login: runLogin,
  logout: runLogout,
  whoami: runWhoami,
  signup: runSignup,
  password: runPassword,
  sessions: runSessions,
  totp: runTotp,
  verify: runVerify,
  email: runEmail,
  exp: runExp,
  share: runSharing,
  unshare: runSharing,
  publish: runSharing,
  unpublish: runSharing,
  link: runSharing,
  clone: runSharing,
  tag: runContent,
  gate: runContent,
  sync: runSync,
  drafts: runDrafts,
  connect: runConnectionAction,
  connections: runConnections,
  accept: runConnectionAction,
  reject: runConnectionAction,
  disconnect: runConnectionAction,
  project: runProject,
  prefs: runPrefs,
  file: runFile,
  'review-link': runReviewLink,
  group: runGroup,
  transfer: runTransfer, 'accept-transfer': runTransfer, 'decline-transfer': runTransfer, 'cancel-transfer': runTransfer, transfers: runTransfer,
  audit: runAudit,
  access: runAccess,
  figure: runFigure,
  trash: runLifecycle,
  restore: runLifecycle,
  delete: runLifecycle,
  curate: runLifecycle,
  'request-curation': runLifecycle,
  'curation-queue': runLifecycle,
  export: runArchive,
  import: runArchive,
};

const statusOf: Record<CoreError['kind'], Exit> = { auth: Exit.auth, unreachable: Exit.unreachable, refused: Exit.refused, internal: Exit.failure };

export async function main(argv: string[]): Promise<Exit> {
  const json = argv.includes('--json');
  const out = new Output(json);
  let ctx: Ctx | null = null;
  try {
    const args = splitArgs(argv);
    const help = helpStatus(args);
    if (help !== null) {
      process.stdout.write(`${usage}\n`);
      return help;
    }
    const name = args.positionals[0] as string;
    const run = commands[name];
    if (!run) throw new UsageError(`unknown command ${name}`);
    ctx = makeCtx(args, out);
    return await run(ctx);
  } catch (error) {
    if (error instanceof CliExit) return error.status;
    if (error instanceof UsageError) return out.error('USAGE', error.message, Exit.usage).status;
    if (error instanceof RuleRefusal) return out.error(error.code, error.message, Exit.refused).status;
    if (error instanceof CoreError) return out.error(error.code, error.message, statusOf[error.kind], error.detail).status;
    if (error instanceof CorruptFileError) return out.error(error.code, error.message, Exit.failure).status;
    if (process.env.CYTOSHARE_DEBUG) console.error(error);
    return out.error(ErrorCode.INTERNAL, 'unexpected failure', Exit.failure).status;
  } finally {
    await ctx?.close().catch(() => undefined);
  }
}
