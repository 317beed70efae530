import { z } from 'zod';
import { Email, Username } from '../../shared/schemas/entities.ts';
import { IntentType } from '../../shared/schemas/intents.ts';
import { onlyFlags, UsageError } from './args.ts';
import type { Ctx } from './context.ts';
import { deliver, prepare } from './deliver.ts';
import { Exit } from './output.ts';

/**
 * `connect EMAIL`, `connections`, `accept USER`, `reject USER`, `disconnect USER`. Requests and
 * answers are drafts like any sharing change: checked by the rules, then delivered.
 */
function one<T>(ctx: Ctx, schema: z.ZodType<T>, what: string): T {
  const [, value, ...rest] = ctx.args.positionals;
  if (value === undefined || rest.length > 0) throw new UsageError(`usage: ${ctx.args.positionals[0]} ${what}`);
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new UsageError(`bad ${what}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

export async function runConnections(ctx: Ctx): Promise<Exit> {
  onlyFlags(ctx.args, []);
  if (ctx.args.positionals.length !== 1) throw new UsageError('connections takes no arguments');
  const core = await ctx.core();
  core.requireSession();
  if (!ctx.offline) await core.refresh([], false);
  const rows = (await core.connections()).map((e) => ({
    user: e.user,
    email: e.email,
    status: e.status,
    direction: e.direction,
    sharedExperiments: e.sharedExperiments,
    sharedProjects: e.sharedProjects,
  }));
  const line = (r: (typeof rows)[number]) =>
    `${(r.user ?? '-').padEnd(16)} ${r.email.padEnd(28)} ${r.status}${r.direction ? ` (${r.direction})` : ''}  ${r.sharedExperiments} experiments, ${r.sharedProjects} projects`;
  ctx.out.result(rows, rows.length > 0 ? rows.map(line).join('\n') : 'no connections');
  return Exit.ok;
}

export async function runConnectionAction(ctx: Ctx): Promise<Exit> {
  onlyFlags(ctx.args, []);
  const command = ctx.args.positionals[0];
  const core = await prepare(ctx, []);
  switch (command) {
    case 'connect':
      return deliver(ctx, core, await core.intent(IntentType.connect, { email: one(ctx, Email, 'EMAIL') }));
    case 'accept':
    case 'reject':
    case 'disconnect':
      return deliver(ctx, core, await core.intent(command, { user: one(ctx, Username, 'USER') }));
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}
