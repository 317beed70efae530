import type { CytoshareCore } from '../core/core.ts';
import type { Draft } from '../core/contract.ts';
import { CoreError } from '../core/errors.ts';
import type { Ctx } from './context.ts';
import { draftLine, Exit } from './output.ts';

/**
 * The life of one action on the command line: bring the experiments it reads up to date (so
 * the local rules see the server's sharing state), record the draft, then, unless --offline,
 * sync and report this draft's verdict. An unreachable server never loses the draft: it stays
 * pending for a later `sync`, and the exit status says 5.
 */
export async function prepare(ctx: Ctx, experimentIds: string[]): Promise<CytoshareCore> {
  const core = await ctx.core();
  core.requireSession();
  if (!ctx.offline) {
    try {
      await core.refresh(experimentIds, false);
    } catch (error) {
      // Unreachable: the action is still recorded from the stored replica, then reported as 5.
      if (!(error instanceof CoreError && error.kind === 'unreachable')) throw error;
    }
  }
  return core;
}

export async function deliver(ctx: Ctx, core: CytoshareCore, draft: Draft, extra: Record<string, unknown> = {}): Promise<Exit> {
  let final = draft;
  let status: Exit = Exit.ok;
  if (!ctx.offline && draft.state === 'pending') {
    await core.sync();
    final = (await core.drafts()).find((d) => d.id === draft.id) ?? draft;
    if (final.state === 'rejected') status = Exit.refused;
    else if (final.state === 'pending') status = Exit.unreachable;
  }
  const body = Object.keys(extra).length > 0 ? { ...extra, draft: final } : final;
  ctx.out.result(body, draftLine(final));
  if (status === Exit.refused) ctx.out.warn(final.code ?? 'REFUSED', final.message ?? 'refused');
  if (status === Exit.unreachable) ctx.out.warn('SERVER_UNREACHABLE', 'the server cannot be reached');
  return status;
}
