import { readFile, stat } from 'node:fs/promises';
import { z } from 'zod';
import { ErrorCode } from '../../shared/codes.ts';
import { ExperimentId, GrantRole } from '../../shared/schemas/entities.ts';
import { IntentType, type IntentCheckVerdict } from '../../shared/schemas/intents.ts';
import { RuleRefusal } from '../core/contract.ts';
import { flag, has, onlyFlags, UsageError } from './args.ts';
import type { Ctx } from './context.ts';
import { prepare } from './deliver.ts';
import { FileStore } from './file-store.ts';
import { Exit, words } from './output.ts';
import { SHARE_FLAGS, shareOptions, type ShareOptions } from './share-options.ts';
import { parseShareFile, SHARE_FILE_MAX_BYTES, ShareFileError, type ShareRow } from './share-csv.ts';

/**
 * Sharing many at once: `share --from FILE.csv` (rows of experiment,user[,role]) or `share ID
 * USER USER …`, with `--dry-run` to ask the server what each row would get without changing
 * anything. Every row gets a verdict. The rows are all checked for form first (a malformed file
 * is a usage error and nothing is shared); then each row is one share, decided by the rules like
 * a single `share` (linked experiments cascade): the accepted ones apply even when others are
 * refused. Exit 0 when every row is accepted, 3 when any is refused, 5 when the server could not
 * be reached for some (they stay pending for `cytoshare sync`).
 */
export type RowVerdict = { row: number; experiment: string; user: string; ok: boolean; code: string | null; pending?: true };

/** The roles a share may give; another is refused on its row. */
const ROLES: ReadonlySet<string> = new Set(GrantRole.options);
/** Rows per dry-run request, well under the server's `intentChecksPerRequest`. */
const CHECK_BATCH = 100;

const User = z.string().trim().min(2).max(254);

/** Whether `share` was asked for more than the one-experiment, one-user form. */
export function isBulkShare(ctx: Ctx): boolean {
  return ctx.args.flags.has('from') || has(ctx.args, 'dry-run') || ctx.args.positionals.length > 3;
}

export async function runBulkShare(ctx: Ctx): Promise<Exit> {
  onlyFlags(ctx.args, ['from', 'dry-run', ...SHARE_FLAGS]);
  const options = shareOptions(ctx);
  const dryRun = has(ctx.args, 'dry-run');
  if (dryRun && ctx.offline) throw new UsageError('--dry-run asks the server; it cannot be combined with --offline');
  const file = flag(ctx.args, 'from');
  const rows = file === undefined ? rowsFromLine(ctx.args.positionals, options.role ?? 'full') : await rowsFromFile(file, ctx.args.positionals);
  const verdicts = new Map<ShareRow, RowVerdict>();
  for (const row of rows) if (!ROLES.has(row.role)) verdicts.set(row, verdict(row, false, ErrorCode.UNKNOWN_ROLE));
  const todo = rows.filter((row) => !verdicts.has(row));
  (await ctx.core()).requireSession();
  if (todo.length > 0) {
    const decided = dryRun ? await checkRows(ctx, todo) : await shareRows(ctx, todo, options);
    decided.forEach((v, at) => verdicts.set(todo[at] as ShareRow, v));
  }
  const out = rows.map((row) => verdicts.get(row) as RowVerdict);
  report(ctx, out, file === undefined ? 'row' : 'line', dryRun);
  if (out.some((v) => !v.ok && !v.pending)) return Exit.refused;
  if (out.some((v) => v.pending && v.code === ErrorCode.SERVER_UNREACHABLE)) return Exit.unreachable;
  return Exit.ok;
}

function verdict(row: ShareRow, ok: boolean, code: string | null, pending = false): RowVerdict {
  return { row: row.row, experiment: row.experiment, user: row.user, ok, code, ...(pending ? { pending: true as const } : {}) };
}

/** `share ID USER USER …`: one row per user, numbered by position. */
function rowsFromLine(positionals: string[], role: GrantRole): ShareRow[] {
  const [, raw, ...users] = positionals;
  if (raw === undefined || users.length === 0) throw new UsageError('usage: share ID USER [USER …] | share --from FILE.csv');
  const experiment = ExperimentId.safeParse(raw);
  if (!experiment.success) throw new UsageError(`bad experiment id: ${experiment.error.issues[0]?.message ?? 'invalid'}`);
  return users.map((user, at) => {
    const parsed = User.safeParse(user);
    if (!parsed.success) throw new UsageError(`bad user ${JSON.stringify(user)}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    return { row: at + 1, experiment: experiment.data, user: parsed.data, role };
  });
}

async function rowsFromFile(file: string, positionals: string[]): Promise<ShareRow[]> {
  if (positionals.length > 1) throw new UsageError('--from takes every row from the file: give no ID or USER with it');
  let bytes: Uint8Array;
  try {
    // Checked before reading, so a huge file is never held in memory.
    if ((await stat(file)).size > SHARE_FILE_MAX_BYTES) throw new ShareFileError([`larger than ${SHARE_FILE_MAX_BYTES} bytes`]);
    bytes = await readFile(file);
  } catch (error) {
    if (error instanceof ShareFileError) throw new UsageError(`${file}: ${error.message}`);
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${file}${code === 'ENOENT' ? ': no such file' : code === 'EISDIR' ? ': a folder' : ''}`);
  }
  try {
    return parseShareFile(bytes);
  } catch (error) {
    if (error instanceof ShareFileError) throw new UsageError(`${file}: ${error.message}; nothing was shared`);
    throw error;
  }
}

/**
 * A dry run, the same two steps as the real run with nothing recorded: the local rules on the
 * refreshed replica (so a row they refuse gets the code the real run gives it), then the
 * server's rules on its current state for the rest, in batches.
 */
async function checkRows(ctx: Ctx, rows: ShareRow[]): Promise<RowVerdict[]> {
  const core = await prepare(ctx, experimentsOf(rows));
  const out = await eachRow(rows, async (row) => {
    await core.checkShare(row.experiment, row.user);
    return row;
  });
  const asked = out.filter((v): v is ShareRow => !('ok' in v));
  const answers = new Map<ShareRow, RowVerdict>();
  for (let at = 0; at < asked.length; at += CHECK_BATCH) {
    const batch = asked.slice(at, at + CHECK_BATCH);
    const { verdicts } = await core.api().checkIntents(batch.map((r) => ({ type: IntentType.share, experimentId: r.experiment, user: r.user })));
    if (verdicts.length !== batch.length) throw new Error('the server answered a different number of verdicts');
    batch.forEach((row, i) => {
      const v = verdicts[i] as IntentCheckVerdict;
      answers.set(row, verdict(row, v.ok, v.ok ? null : v.code));
    });
  }
  return out.map((v) => ('ok' in v ? v : (answers.get(v) as RowVerdict)));
}

const experimentsOf = (rows: ShareRow[]) => [...new Set(rows.map((r) => r.experiment))];

/** Runs `step` on each row; a RuleRefusal becomes that row's verdict. */
async function eachRow<T>(rows: ShareRow[], step: (row: ShareRow) => Promise<T>): Promise<Array<T | RowVerdict>> {
  const out: Array<T | RowVerdict> = [];
  for (const row of rows) {
    try {
      out.push(await step(row));
    } catch (error) {
      if (!(error instanceof RuleRefusal)) throw error;
      out.push(verdict(row, false, error.code));
    }
  }
  return out;
}

/**
 * The real thing: each row becomes a share draft through the local rules (a refusal there is
 * the row's verdict, nothing recorded), then one sync delivers them all and each draft's
 * settled state is its row's verdict.
 */
async function shareRows(ctx: Ctx, rows: ShareRow[], options: ShareOptions): Promise<RowVerdict[]> {
  const core = await prepare(ctx, experimentsOf(rows));
  // One outbox write for all the drafts, and one for all their verdicts, not one per row each.
  const hold = <T>(work: () => Promise<T>) => (core.store instanceof FileStore ? core.store.holdingDraftWrites(work) : work());
  const drafted = await hold(() => eachRow(rows, async (row) => (await core.share(row.experiment, row.user, { ...options, role: GrantRole.parse(row.role) })).id));
  if (!ctx.offline && drafted.some((d) => typeof d === 'string')) await hold(() => core.sync());
  const drafts = new Map((await core.drafts()).map((d) => [d.id, d]));
  return drafted.map((d, at) => {
    if (typeof d !== 'string') return d;
    const row = rows[at] as ShareRow;
    const draft = drafts.get(d);
    if (draft?.state === 'accepted') return verdict(row, true, null);
    if (draft?.state === 'rejected') return verdict(row, false, draft.code ?? ErrorCode.INTERNAL);
    return verdict(row, false, ctx.offline ? null : ErrorCode.SERVER_UNREACHABLE, true);
  });
}

function report(ctx: Ctx, verdicts: RowVerdict[], label: 'row' | 'line', dryRun: boolean): void {
  const said = (v: RowVerdict) => {
    if (v.ok) return dryRun ? 'would be accepted' : 'accepted';
    if (v.pending) return v.code === null ? 'pending (recorded offline)' : 'pending (server unreachable; `cytoshare sync` sends it)';
    return `${dryRun ? 'would be refused' : 'refused'} ${v.code}: ${words(v.code ?? '', 'refused')}`;
  };
  const count = (test: (v: RowVerdict) => boolean) => verdicts.filter(test).length;
  const summary = `${verdicts.length} rows${dryRun ? ' (dry run, nothing changed)' : ''}: ${count((v) => v.ok)} ${dryRun ? 'would be ' : ''}accepted, ${count((v) => !v.ok && !v.pending)} ${dryRun ? 'would be ' : ''}refused, ${count((v) => v.pending === true)} pending`;
  const lines = verdicts.map((v) => `${label} ${v.row}  ${v.experiment}  ${v.user}  ${said(v)}`);
  ctx.out.result(verdicts, [...lines, summary].join('\n'));
  // The contract's "code on stderr" for exit 3, one line per refused row.
  for (const v of verdicts) if (!v.ok && !v.pending) process.stderr.write(`error ${v.code}: ${label} ${v.row}: ${words(v.code ?? '', 'refused')}\n`);
}
