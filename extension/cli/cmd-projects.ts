import { z } from 'zod';
import { madeIdOf } from '../../shared/actions/intent-table.ts';
import { IntentType } from '../../shared/schemas/intents.ts';
import { ExperimentId } from '../../shared/schemas/entities.ts';
import { CloningLevel, IllustrationsLevel, ProjectId, ProjectName, ProjectRoleSchema, type ProjectPolicy } from '../../shared/schemas/project.ts';
import { flag, has, onlyFlags, UsageError } from './args.ts';
import type { Ctx } from './context.ts';
import { deliver, prepare } from './deliver.ts';
import { Exit } from './output.ts';

/**
 * `project create NAME` → {id}, `project add PROJECT EXP`, `project remove PROJECT EXP`,
 * `project member PROJECT USER --role manager|leader|member` (or `--remove`),
 * `project policy PROJECT --access full|restricted [--illustrations …] [--cloning …]`,
 * `project list`, `project show PROJECT`.
 */
function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new UsageError(`bad ${what}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

function operands(ctx: Ctx, count: number, shape: string): string[] {
  const rest = ctx.args.positionals.slice(2);
  if (rest.length !== count) throw new UsageError(`usage: project ${shape}`);
  return rest;
}

export async function runProject(ctx: Ctx): Promise<Exit> {
  const sub = ctx.args.positionals[1];
  switch (sub) {
    case 'create': {
      onlyFlags(ctx.args, []);
      const [name] = operands(ctx, 1, 'create NAME');
      const core = await prepare(ctx, []);
      const draft = await core.intent(IntentType.projectCreate, { name: parse(ProjectName, name, 'name') });
      const status = await deliver(ctx, core, draft, { id: madeIdOf(draft.intent) });
      if (status === Exit.ok && !ctx.offline) await core.refresh([], true).catch(() => undefined);
      return status;
    }
    case 'add':
    case 'remove': {
      onlyFlags(ctx.args, []);
      const [project, exp] = operands(ctx, 2, `${sub} PROJECT EXP`);
      const projectId = parse(ProjectId, project, 'project id');
      const expId = parse(ExperimentId, exp, 'experiment id');
      const core = await prepare(ctx, [expId]);
      if (sub === 'remove' && (await core.show(expId)).projectId !== projectId) {
        throw ctx.out.error('NOT_IN_PROJECT', 'the experiment is not in that project', Exit.refused);
      }
      return deliver(ctx, core, await core.intent(IntentType.move, { experimentId: expId, projectId: sub === 'add' ? projectId : null }));
    }
    case 'member': {
      onlyFlags(ctx.args, ['role', 'remove']);
      const [project, user] = operands(ctx, 2, 'member PROJECT USER --role manager|leader|member | --remove');
      const remove = has(ctx.args, 'remove');
      if (remove === (flag(ctx.args, 'role') !== undefined)) throw new UsageError('give either --role ROLE or --remove');
      const role = remove ? null : parse(ProjectRoleSchema, flag(ctx.args, 'role'), '--role');
      const core = await prepare(ctx, []);
      return deliver(ctx, core, await core.intent(IntentType.projectMember, { projectId: parse(ProjectId, project, 'project id'), user: parse(z.string().min(2).max(254), user, 'user'), role }));
    }
    case 'policy': {
      onlyFlags(ctx.args, ['access', 'illustrations', 'cloning']);
      const [project] = operands(ctx, 1, 'policy PROJECT --access full|restricted [--illustrations view-only|create] [--cloning disabled|files-only|full]');
      const access = parse(z.enum(['full', 'restricted']), flag(ctx.args, 'access'), '--access');
      const policy: ProjectPolicy =
        access === 'full'
          ? { access }
          : {
              access,
              illustrations: parse(z.enum(IllustrationsLevel), flag(ctx.args, 'illustrations') ?? 'view-only', '--illustrations'),
              cloning: parse(z.enum(CloningLevel), flag(ctx.args, 'cloning') ?? 'disabled', '--cloning'),
            };
      const core = await prepare(ctx, []);
      return deliver(ctx, core, await core.intent(IntentType.projectPolicy, { projectId: parse(ProjectId, project, 'project id'), policy }));
    }
    case 'list': {
      onlyFlags(ctx.args, []);
      operands(ctx, 0, 'list');
      const core = await ctx.core();
      core.requireSession();
      if (!ctx.offline) await core.refresh([], true);
      const rows = await core.projects();
      ctx.out.result(rows, rows.map((p) => `${p.id}  ${p.name}  (${p.role})`).join('\n') || 'no projects');
      return Exit.ok;
    }
    case 'show': {
      onlyFlags(ctx.args, []);
      const [project] = operands(ctx, 1, 'show PROJECT');
      const projectId = parse(ProjectId, project, 'project id');
      const core = await ctx.core();
      core.requireSession();
      if (!ctx.offline) await core.refresh([], true);
      const state = await core.project(projectId);
      if (!state) throw ctx.out.error('UNKNOWN_PROJECT', 'no such project here', Exit.refused);
      const experiments = (await core.list('all')).filter((r) => r.projectId === projectId).map((r) => ({ id: r.id, name: r.name, owner: r.owner }));
      const body = { ...state, experiments };
      const members = Object.entries(state.members).map(([u, r]) => `${u} (${r})`).join(', ');
      ctx.out.result(body, `${state.name}  (${state.id})\nmembers: ${members}\npolicy: ${JSON.stringify(state.policy)}\n${experiments.map((e) => `  ${e.id}  ${e.name}`).join('\n')}`);
      return Exit.ok;
    }
    default:
      throw new UsageError('usage: project create|add|remove|member|policy|list|show …');
  }
}
