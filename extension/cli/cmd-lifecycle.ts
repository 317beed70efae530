import { z } from 'zod';
import { ExperimentId } from '../../shared/schemas/entities.ts';
import { onlyFlags, UsageError } from './args.ts';
import type { Ctx } from './context.ts';
import { deliver, prepare } from './deliver.ts';
import { Exit } from './output.ts';

/** `trash ID`, `restore ID`, `delete ID`, `curate ID on|off`, `request-curation ID`, `curation-queue`. */
export async function runLifecycle(ctx: Ctx): Promise<Exit> {
  onlyFlags(ctx.args, []);
  const [command, raw, extra, ...rest] = ctx.args.positionals;
  if (command === 'curation-queue') {
    if (raw !== undefined) throw new UsageError('curation-queue takes no arguments');
    const core = await ctx.core();
    const queue = await core.curationQueue();
    ctx.out.result(queue, queue.map((q) => `${q.experimentId}  ${q.name}  (${q.owner}, asked by ${q.requestedBy})`).join('\n') || 'no requests');
    return Exit.ok;
  }
  const expId = ExperimentId.safeParse(raw);
  const wantsFlag = command === 'curate';
  if (!expId.success || rest.length > 0 || (extra !== undefined) !== wantsFlag) {
    throw new UsageError(`usage: ${command} ID${wantsFlag ? ' on|off' : ''}`);
  }
  const core = await prepare(ctx, [expId.data]);
  switch (command) {
    case 'trash':
      return deliver(ctx, core, await core.trash(expId.data));
    case 'restore':
      return deliver(ctx, core, await core.restore(expId.data));
    case 'delete':
      return deliver(ctx, core, await core.deleteForGood(expId.data));
    case 'request-curation':
      return deliver(ctx, core, await core.requestCuration(expId.data));
    case 'curate': {
      const on = z.enum(['on', 'off']).safeParse(extra);
      if (!on.success) throw new UsageError('usage: curate ID on|off');
      return deliver(ctx, core, await core.curate(expId.data, on.data === 'on'));
    }
    default:
      throw new UsageError(`unknown command ${command ?? ''}`);
  }
}
