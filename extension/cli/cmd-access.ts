import { z } from 'zod';
import type { AccessExplanation } from '../../shared/rules/access-explain.ts';
import { ExperimentId } from '../../shared/schemas/entities.ts';
import type { AccessPreview } from '../core/access-preview.ts';
import { check, onlyFlags, UsageError } from './args.ts';
import type { Ctx } from './context.ts';
import { Exit } from './output.ts';

/**
 * `access explain ID USER` and `exp show ID --as USER`: why a person has access, and the
 * experiment as they would see it, both from the synced replica with the shared rules. Only the
 * owner and people with full access may ask; anyone else gets the sharing right's refusal.
 */
const User = z.string().trim().min(2).max(254);

const sourceLines = (e: AccessExplanation) =>
  e.sources.length === 0 ? ['  no source of access'] : e.sources.map((s) => `  ${s.via === e.decidedBy && s === e.sources[0] ? '*' : ' '} ${s.via} (${s.role}): ${s.detail}`);

export async function runAccess(ctx: Ctx): Promise<Exit> {
  if (ctx.args.positionals[1] !== 'explain') throw new UsageError('usage: access explain ID USER');
  onlyFlags(ctx.args, []);
  const [, , rawId, rawUser, ...rest] = ctx.args.positionals;
  if (rawId === undefined || rawUser === undefined || rest.length > 0) throw new UsageError('usage: access explain ID USER');
  const expId = check(ExperimentId, rawId, 'experiment id');
  const user = check(User, rawUser, 'user');
  const core = await ctx.core();
  core.requireSession();
  if (!ctx.offline) await core.refresh([expId], false);
  const answer = await core.explainAccess(expId, user);
  ctx.out.result(answer, [`${answer.user}: ${answer.access}${answer.decidedBy ? ` (decided by ${answer.decidedBy})` : ''}`, ...sourceLines(answer)].join('\n'));
  return Exit.ok;
}

/** `exp show ID --as USER`. */
export async function runShowAs(ctx: Ctx, expId: string, rawUser: string | undefined): Promise<Exit> {
  const user = check(User, rawUser, '--as');
  const core = await ctx.core();
  core.requireSession();
  if (!ctx.offline) await core.refresh([expId], false);
  const preview: AccessPreview = await core.showAs(expId, user);
  const { view } = preview;
  const can = view ? Object.entries(view.can).map(([right, yes]) => `${right} ${yes ? 'yes' : 'no'}`).join(', ') : '';
  const human = [
    `as ${preview.user}: ${preview.access}${preview.decidedBy ? ` (decided by ${preview.decidedBy})` : ''}`,
    ...(view ? [`${view.name}  (${view.id})`, `can: ${can}`, ...view.tags.map((t) => `tag ${t.file} / ${t.dimension} = ${t.value}`), ...view.gates.map((g) => `gate ${g.id} "${g.name}"`)] : []),
    `hidden: ${preview.hidden.length > 0 ? preview.hidden.join(', ') : 'nothing'}`,
  ];
  ctx.out.result({ as: preview.user, ...preview }, human.join('\n'));
  return Exit.ok;
}
