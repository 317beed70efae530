import { pendingTransferOf } from './cmd-transfer.ts';
import { z } from 'zod';
import { madeIdOf } from '../../shared/actions/intent-table.ts';
import { IntentType } from '../../shared/schemas/intents.ts';
import { ExperimentId, ExperimentName, Gate, GateId } from '../../shared/schemas/entities.ts';
import { ListFilter } from '../core/contract.ts';
import { ProjectId } from '../../shared/schemas/project.ts';
import { check, flag, has, onlyFlags, UsageError } from './args.ts';
import type { Ctx } from './context.ts';
import { deliver, prepare } from './deliver.ts';
import { Exit } from './output.ts';
import { ErrorCode } from '../../shared/codes.ts';
import { RuleRefusal } from '../core/contract.ts';
import type { CytoshareCore } from '../core/core.ts';
import { runGateExport } from './cmd-files.ts';
import { isBulkShare, runBulkShare } from './cmd-share-bulk.ts';
import { runShowAs } from './cmd-access.ts';
import { dateFlag, SHARE_FLAGS, shareOptions } from './share-options.ts';
import { runGroupShare } from './cmd-groups.ts';

/** Experiment commands: each is "validate the line, prepare, run the core action, deliver". */
export function args(ctx: Ctx, skip: number, count: number, shape: string): string[] {
  const rest = ctx.args.positionals.slice(skip);
  if (rest.length !== count) throw new UsageError(`usage: ${shape}`);
  return rest;
}


const id = (value: unknown) => check(ExperimentId, value, 'experiment id');

/** One plain line of `exp list`; the access level already says "public" for a public row. */
function listLine(r: { id: string; name: string; owner: string; access: string; public: boolean; curated: boolean; pending?: boolean }): string {
  const marks = [r.owner, r.access, ...(r.public && r.access !== 'public' ? ['public'] : []), ...(r.curated ? ['curated'] : []), ...(r.pending ? ['pending'] : [])];
  return `${r.id}  ${r.name}  (${marks.join(', ')})`;
}

/** A project filter names a project of the user's, or one that an experiment they can see is in. */
async function knowsProject(core: CytoshareCore, projectId: string): Promise<boolean> {
  if ((await core.projects()).some((p) => p.id === projectId)) return true;
  return [...(await core.list('all')), ...(await core.list('public'))].some((r) => r.projectId === projectId);
}

export async function runExp(ctx: Ctx): Promise<Exit> {
  const sub = ctx.args.positionals[1];
  switch (sub) {
    case 'create': {
      onlyFlags(ctx.args, []);
      const [name] = args(ctx, 2, 1, 'exp create NAME');
      const core = await prepare(ctx, []);
      const made = await core.create(check(ExperimentName, name, 'name'));
      const status = await deliver(ctx, core, made.draft, { id: made.id });
      // Fetch the new document so that `exp show` works offline right away.
      if (status === Exit.ok && !ctx.offline) await core.refresh([made.id]).catch(() => undefined);
      return status;
    }
    case 'list': {
      onlyFlags(ctx.args, ['filter', 'search']);
      args(ctx, 2, 0, 'exp list [--filter F] [--search TEXT]');
      // `project:ID` lists one project's experiments; the other filters are the core's.
      const raw = flag(ctx.args, 'filter') ?? 'all';
      const projectId = raw.startsWith('project:') ? check(ProjectId, raw.slice('project:'.length), '--filter project:ID') : null;
      const filter = projectId ? 'all' : check(z.enum(ListFilter), raw, '--filter');
      const core = await ctx.core();
      core.requireSession();
      if (!ctx.offline) await core.refresh();
      const listed = await core.list(filter, flag(ctx.args, 'search'));
      if (projectId !== null && !(await knowsProject(core, projectId))) {
        throw new RuleRefusal(ErrorCode.UNKNOWN_PROJECT, 'no project of yours, and no experiment you can see, has that id', ['filter']);
      }
      const rows = listed.filter((r) => projectId === null || r.projectId === projectId).map((r) => ({
        id: r.id, name: r.name, owner: r.owner, access: r.access, public: r.public, curated: r.curated, projectId: r.projectId, parentId: r.parentId,
        ...(r.pending ? { pending: true } : {}),
      }));
      ctx.out.result(rows, rows.map(listLine).join('\n'));
      return Exit.ok;
    }
    case 'show': {
      onlyFlags(ctx.args, ['as']);
      const [raw] = args(ctx, 2, 1, 'exp show ID [--as USER]');
      const expId = id(raw);
      if (ctx.args.flags.has('as')) return runShowAs(ctx, expId, flag(ctx.args, 'as'));
      const core = await ctx.core();
      const session = core.requireSession();
      if (!ctx.offline) await core.refresh([expId], false);
      const view = await core.show(expId);
      // The owner's offer waiting for an answer (server-side only; absent offline).
      const pending = !ctx.offline && view.owner === session.username ? await pendingTransferOf(core.api(), expId) : null;
      const human = [
        `${view.name}  (${view.id})`,
        `owner ${view.owner}${view.public ? ', public' : ''}${view.curated ? ', curated' : ''}${view.parentId ? `, linked to ${view.parentId}` : ''}`,
        ...(view.publishAt ? [`public from ${new Date(view.publishAt).toISOString()}`] : []),
        ...(pending ? [`transfer pending to ${pending.receiver} (${pending.id})${pending.leave ? ', you leave on acceptance' : ''}`] : []),
        `access: ${view.access.map((a) => `${a.user} (${a.via}${a.until !== undefined ? `, until ${new Date(a.until).toISOString()}` : ''})`).join(', ')}`,
        ...view.tags.map((t) => `tag ${t.file} / ${t.dimension} = ${t.value}`),
        ...view.gates.map((g) => `gate ${g.id} "${g.name}" ${g.xChannel}×${g.yChannel} ${'rect' in g ? `[${g.rect.join(', ')}]` : `polygon ${g.polygon.map((p) => p.join(',')).join(' ')}`}`),
      ];
      ctx.out.result(pending ? { ...view, transfer: pending } : view, human.join('\n'));
      return Exit.ok;
    }
    case 'rename': {
      onlyFlags(ctx.args, []);
      const [raw, name] = args(ctx, 2, 2, 'exp rename ID NAME');
      const expId = id(raw);
      const core = await prepare(ctx, [expId]);
      return deliver(ctx, core, await core.rename(expId, check(ExperimentName, name, 'name')));
    }
    default:
      throw new UsageError('usage: exp create|list|show|rename …');
  }
}

/** An accepted share may be one that waits for a connection: say so, the draft alone would not. */
async function sayIfWaiting(core: CytoshareCore, expId: string, who: string): Promise<void> {
  await core.refresh([], false).catch(() => undefined);
  const byEmail = (await core.connections()).find((e) => e.email !== '' && e.email.toLowerCase() === who.toLowerCase())?.user;
  const user = byEmail ?? who;
  const waiting = (await core.waitingShares()).some((w) => w.experimentId === expId && w.state === 'waiting' && w.user === user);
  if (waiting) process.stdout.write(`waiting for ${who} to accept your connection request; the share is made then\n`);
}

export async function runSharing(ctx: Ctx): Promise<Exit> {
  const command = ctx.args.positionals[0];
  if (command === 'share' && isBulkShare(ctx)) return runBulkShare(ctx);
  switch (command) {
    case 'share':
    case 'unshare': {
      const [rawId, named] = ctx.args.positionals.slice(1);
      if (rawId !== undefined && named?.startsWith('@')) return runGroupShare(ctx, command, rawId, named.slice(1));
      onlyFlags(ctx.args, command === 'share' ? [...SHARE_FLAGS] : []);
      const [raw, user] = args(ctx, 1, 2, `${command} ID USER`);
      const expId = id(raw);
      const who = check(z.string().trim().min(2).max(254), user, 'user');
      const options = shareOptions(ctx);
      const core = await prepare(ctx, [expId]);
      const status = await deliver(ctx, core, command === 'share' ? await core.share(expId, who, options) : await core.unshare(expId, who));
      if (options.connect && status === Exit.ok && !ctx.offline && !ctx.out.json) await sayIfWaiting(core, expId, who);
      return status;
    }
    case 'publish':
    case 'unpublish': {
      onlyFlags(ctx.args, command === 'publish' ? ['at'] : []);
      const expId = id(args(ctx, 1, 1, `${command} ID`)[0]);
      const at = dateFlag(ctx, 'at');
      const core = await prepare(ctx, [expId]);
      return deliver(ctx, core, command === 'publish' ? await core.publish(expId, at) : await core.intent(IntentType.unpublish, { experimentId: expId }));
    }
    case 'link': {
      onlyFlags(ctx.args, ['parent']);
      const expId = id(args(ctx, 1, 1, 'link ID --parent PARENT_ID')[0]);
      const parent = id(flag(ctx.args, 'parent'));
      const core = await prepare(ctx, [expId, parent]);
      return deliver(ctx, core, await core.intent(IntentType.link, { experimentId: expId, parentId: parent }));
    }
    case 'clone': {
      onlyFlags(ctx.args, ['linked', 'files-only']);
      const expId = id(args(ctx, 1, 1, 'clone ID [--files-only] [--linked]')[0]);
      const core = await prepare(ctx, [expId]);
      const draft = await core.intent(IntentType.clone, { experimentId: expId, linked: has(ctx.args, 'linked'), ...(has(ctx.args, 'files-only') ? { filesOnly: true } : {}) });
      return deliver(ctx, core, draft, { id: madeIdOf(draft.intent) });
    }
    default:
      throw new UsageError(`unknown command ${command ?? ''}`);
  }
}

const Rect = z
  .string()
  .transform((s) => s.split(',').map((n) => Number(n.trim())))
  .pipe(z.tuple([z.number(), z.number(), z.number(), z.number()]))
  .refine((r) => r.every(Number.isFinite), 'four finite numbers X1,Y1,X2,Y2');
/** `X1,Y1;X2,Y2;X3,Y3…`: the vertices of a polygon gate (the schema bounds their number). */
const PolygonFlag = z
  .string()
  .transform((s) => s.split(';').map((p) => p.split(',').map((n) => Number(n.trim()))))
  .pipe(z.array(z.tuple([z.number(), z.number()])));

export async function runContent(ctx: Ctx): Promise<Exit> {
  const command = ctx.args.positionals[0];
  if (command === 'tag') {
    onlyFlags(ctx.args, []);
    const [raw, file, dimension, value] = args(ctx, 1, 4, 'tag ID FILE DIMENSION VALUE');
    const expId = id(raw);
    const core = await prepare(ctx, [expId]);
    return deliver(ctx, core, await core.setTag(expId, file as string, dimension as string, value as string));
  }
  const sub = ctx.args.positionals[1];
  if (sub === 'add') {
    onlyFlags(ctx.args, ['x', 'y', 'rect', 'polygon']);
    const [raw, name] = args(ctx, 2, 2, 'gate add ID NAME --x CHANNEL --y CHANNEL (--rect X1,Y1,X2,Y2 | --polygon X1,Y1;X2,Y2;X3,Y3…)');
    const expId = id(raw);
    const polygon = flag(ctx.args, 'polygon');
    if (polygon !== undefined && flag(ctx.args, 'rect') !== undefined) throw new UsageError('a gate is a rectangle or a polygon: give --rect or --polygon, not both');
    const shape = polygon !== undefined ? { polygon: check(PolygonFlag, polygon, '--polygon') } : { rect: check(Rect, flag(ctx.args, 'rect'), '--rect') };
    const gate = check(
      Gate,
      { name, xChannel: flag(ctx.args, 'x'), yChannel: flag(ctx.args, 'y'), ...shape },
      'gate (--x, --y and one of --rect or --polygon are required)',
    );
    const core = await prepare(ctx, [expId]);
    const made = await core.addGate(expId, gate);
    return deliver(ctx, core, made.draft, { id: made.id });
  }
  if (sub === 'export') return runGateExport(ctx);
  if (sub === 'rm') {
    onlyFlags(ctx.args, []);
    const [raw, gateId] = args(ctx, 2, 2, 'gate rm ID GATE');
    const expId = id(raw);
    const core = await prepare(ctx, [expId]);
    return deliver(ctx, core, await core.removeGate(expId, check(GateId, gateId, 'gate id')));
  }
  throw new UsageError('usage: tag … | gate add … | gate rm … | gate export …');
}
