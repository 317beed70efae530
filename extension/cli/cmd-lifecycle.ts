import { z } from 'zod';
import { ExperimentId } from '../../shared/schemas/entities.ts';
import { IntentType } from '../../shared/schemas/intents.ts';
import { onlyFlags, UsageError } from './args.ts';
import type { Ctx } from './context.ts';
import { deliver, prepare } from './deliver.ts';
import { Exit } from './output.ts';

/** The commands that are an intent on one experiment and nothing more (see shared/actions/intent-table.ts). */
const ON_EXPERIMENT: Partial<Record<string, typeof IntentType.trash | typeof IntentType.restore | typeof IntentType.delete | typeof IntentType.requestCuration>> = {
  trash: IntentType.trash,
  restore: IntentType.restore,
  delete: IntentType.delete,
  'request-curation': IntentType.requestCuration,
};

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
  if (command === 'curate') {
    const on = z.enum(['on', 'off']).safeParse(extra);
    if (!on.success) throw new UsageError('usage: curate ID on|off');
    return deliver(ctx, core, await core.intent(IntentType.curate, { experimentId: expId.data, curated: on.data === 'on' }));
  }
  const type = command === undefined ? undefined : ON_EXPERIMENT[command];
  if (type === undefined) throw new UsageError(`unknown command ${command ?? ''}`);
  return deliver(ctx, core, await core.intent(type, { experimentId: expId.data }));
}
