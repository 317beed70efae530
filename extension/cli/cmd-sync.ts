import { ConnectionStatus } from '../core/contract.ts';
import { CoreError } from '../core/errors.ts';
import { onlyFlags, UsageError } from './args.ts';
import type { Ctx } from './context.ts';
import { draftLine, Exit } from './output.ts';

/** `sync` pushes the outbox and prints each verdict; `drafts` lists the outbox as stored. */
export async function runSync(ctx: Ctx): Promise<Exit> {
  onlyFlags(ctx.args, []);
  if (ctx.args.positionals.length !== 1) throw new UsageError('sync takes no arguments');
  if (ctx.offline) throw new UsageError('sync needs the server; drop --offline');
  const core = await ctx.core();
  const report = await core.sync();
  // Then everything this device holds is brought up to date: after a day offline, that is
  // every experiment someone else edited meanwhile (one socket for all, see sync-engine.ts).
  if (core.status() !== ConnectionStatus.offline) {
    await core.catchUp().catch((error: unknown) => {
      if (!(error instanceof CoreError && error.kind === 'unreachable')) throw error;
      core.setStatus(ConnectionStatus.offline);
    });
  }
  const lines = [...report.settled, ...report.pending].map(draftLine);
  ctx.out.result(report, lines.length > 0 ? lines.join('\n') : 'nothing to sync');
  if (core.status() === ConnectionStatus.offline) {
    ctx.out.warn('SERVER_UNREACHABLE', 'the server cannot be reached');
    return Exit.unreachable;
  }
  if (report.pending.length > 0) {
    ctx.out.warn('SERVER_UNREACHABLE', 'some drafts were not confirmed in time');
    return Exit.unreachable;
  }
  const rejected = report.settled.find((d) => d.state === 'rejected');
  if (rejected) {
    ctx.out.warn(rejected.code ?? 'REFUSED', rejected.message ?? 'refused');
    return Exit.refused;
  }
  return Exit.ok;
}

export async function runDrafts(ctx: Ctx): Promise<Exit> {
  onlyFlags(ctx.args, []);
  if (ctx.args.positionals.length !== 1) throw new UsageError('drafts takes no arguments');
  const core = await ctx.core();
  core.requireSession();
  const drafts = await core.drafts();
  ctx.out.result(drafts, drafts.length > 0 ? drafts.map(draftLine).join('\n') : 'no drafts');
  return Exit.ok;
}
