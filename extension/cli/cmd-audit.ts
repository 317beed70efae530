import { ErrorCode } from '../../shared/codes.ts';
import { verifyChain, type ChainVerdict, type HistoryEntry } from '../../shared/audit/history-chain.ts';
import { historyCsv } from '../../shared/audit/history-csv.ts';
import { sha256Hex } from '../../shared/audit/sha256-node.ts';
import { ExperimentId } from '../../shared/schemas/entities.ts';
import { flag, has, onlyFlags, UsageError } from './args.ts';
import type { Ctx } from './context.ts';
import { CliExit, Exit } from './output.ts';

const USAGE = 'usage: audit ID [--verify] [--format csv|json]';

const line = (e: HistoryEntry) =>
  `${e.seq}  ${new Date(e.at).toISOString()}  ${e.actor}  ${e.action}  ${e.verdict}${e.code ? ` ${e.code}` : ''}  ${JSON.stringify(e.detail)}`;

/**
 * `audit ID [--verify] [--format csv|json]`: the experiment's sharing history, oldest first.
 * The chain is checked here as well as on the server, from the entries received: a server
 * that answers "intact" for a broken chain is caught. With `--verify`, a broken chain exits 3
 * `AUDIT_TAMPERED` naming the first broken entry.
 */
export async function runAudit(ctx: Ctx): Promise<Exit> {
  onlyFlags(ctx.args, ['verify', 'format']);
  const [, exp, ...rest] = ctx.args.positionals;
  const expId = ExperimentId.safeParse(exp);
  const format = flag(ctx.args, 'format') ?? (ctx.out.json ? 'json' : 'text');
  if (!expId.success || rest.length > 0 || !['csv', 'json', 'text'].includes(format)) throw new UsageError(USAGE);
  if (ctx.offline) throw new UsageError('the history lives on the server; drop --offline');
  const core = await ctx.core();
  core.requireSession();
  const answer = await core.api().history(expId.data);
  const verification = worst(verifyChain(sha256Hex, expId.data, answer.entries), answer.verification);
  const tampered = has(ctx.args, 'verify') && !verification.intact;
  const result = {
    experimentId: answer.experimentId,
    entries: answer.entries,
    verification,
    ...(tampered ? { error: { code: ErrorCode.AUDIT_TAMPERED, message: verification.message } } : {}),
  };
  if (format === 'csv') process.stdout.write(historyCsv(answer.entries));
  else if (format === 'json') process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else if (!has(ctx.args, 'verify')) process.stdout.write(answer.entries.length > 0 ? `${answer.entries.map(line).join('\n')}\n` : 'no history\n');
  if (!has(ctx.args, 'verify')) return Exit.ok;
  if (verification.intact) {
    if (format === 'text') process.stdout.write(`intact: ${verification.entries} entries\n`);
    return Exit.ok;
  }
  process.stderr.write(`error ${ErrorCode.AUDIT_TAMPERED}: entry ${verification.seq}: ${verification.problem}: ${verification.message}\n`);
  throw new CliExit(Exit.refused);
}

/** The client's own check first: it holds even when the server's answer does not. */
function worst(mine: ChainVerdict, server: ChainVerdict): ChainVerdict {
  if (!mine.intact) return mine;
  if (!server.intact) return server;
  return mine;
}
