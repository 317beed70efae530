import { ExperimentId } from '../../shared/schemas/entities.ts';
import { TransferId, TransferRequest, type TransferList, type TransferSummary } from '../../shared/schemas/transfers.ts';
import type { Api } from '../core/api.ts';
import { CoreError } from '../core/errors.ts';
import { check, has, onlyFlags, UsageError } from './args.ts';
import type { Ctx } from './context.ts';
import { Exit } from './output.ts';

const USAGE = 'usage: transfer ID USER [--leave] [--family] | accept-transfer ID | decline-transfer ID | cancel-transfer ID (ID: the experiment or the transfer) | transfers';

async function online(ctx: Ctx): Promise<Api> {
  if (ctx.offline) throw new UsageError('transfers are decided by the server; drop --offline');
  const core = await ctx.core();
  core.requireSession();
  return core.api();
}

const names = (t: TransferSummary) => t.experiments.map((e) => `"${e.name}" (${e.id})`).join(', ');
const describe = (t: TransferSummary) =>
  `${t.id}  ${t.giver} → ${t.receiver}  ${t.status}${t.leave ? ', giver leaves' : ''}: ${names(t)}`;

/**
 * `transfer ID USER [--leave] [--family]` offers ownership (→ {transfer, staying}: what moves and
 * the family's experiments that stay, each with why); `accept-transfer`, `decline-transfer`
 * (the receiver) and `cancel-transfer` (the giver) answer it; `transfers` lists what waits,
 * made by you (`outgoing`) and to you (`incoming`). Online only: the server decides.
 */
export async function runTransfer(ctx: Ctx): Promise<Exit> {
  const [command, first, second, ...rest] = ctx.args.positionals;
  if (command === 'transfer') {
    onlyFlags(ctx.args, ['leave', 'family']);
    if (first === undefined || second === undefined || rest.length > 0) throw new UsageError(USAGE);
    const request = check(TransferRequest, { experimentId: check(ExperimentId, first, 'experiment id'), user: second, ...(has(ctx.args, 'leave') ? { leave: true } : {}), ...(has(ctx.args, 'family') ? { family: true } : {}) }, 'transfer');
    const answer = await (await online(ctx)).offerTransfer(request);
    const t = answer.transfer;
    const human = [
      `offered to ${t.receiver} (transfer ${t.id}); it waits for them to accept: ${names(t)}`,
      ...answer.staying.map((s) => `  stays with ${s.owner}: ${s.experimentId} (${s.reason})`),
    ];
    ctx.out.result(answer, human.join('\n'));
    return Exit.ok;
  }
  onlyFlags(ctx.args, []);
  if (command === 'transfers' && first === undefined) {
    const list = await (await online(ctx)).transfers();
    ctx.out.result(list, listLines(list));
    return Exit.ok;
  }
  const answers = { 'accept-transfer': 'accept', 'decline-transfer': 'decline', 'cancel-transfer': 'cancel' } as const;
  if (command !== undefined && Object.hasOwn(answers, command) && first !== undefined && second === undefined) {
    const answer = answers[command as keyof typeof answers];
    const api = await online(ctx);
    const summary = await api.answerTransfer(await transferFor(api, first, answer === 'cancel' ? 'outgoing' : 'incoming'), answer);
    ctx.out.result(summary, describe(summary));
    return Exit.ok;
  }
  throw new UsageError(USAGE);
}

/**
 * The command takes the experiment's id, as the contract writes it (`accept-transfer ID`), or the
 * transfer's own id: the pending offer on that side naming the experiment (as its first or as a
 * family member) is the one answered.
 */
async function transferFor(api: Api, ref: string, side: keyof TransferList): Promise<TransferId> {
  if (TransferId.safeParse(ref).success) return ref;
  const experimentId = check(ExperimentId, ref, 'experiment or transfer id');
  const offer = (await api.transfers())[side].find((t) => t.experiments.some((e) => e.id === experimentId));
  if (offer === undefined) throw new CoreError('refused', 'UNKNOWN_TRANSFER', `no transfer of ${experimentId} waits ${side === 'incoming' ? 'for you' : 'from you'}`);
  return offer.id;
}

function listLines(list: TransferList): string {
  const lines = [...list.incoming.map((t) => `offered to you: ${describe(t)}`), ...list.outgoing.map((t) => `offered by you: ${describe(t)}`)];
  return lines.length > 0 ? lines.join('\n') : 'no transfers waiting';
}

/**
 * The pending transfer of an experiment the caller owns, for `exp show`: null when none, or when
 * the server cannot say (offline, unreachable): `exp show` works from the replica all the same.
 */
export async function pendingTransferOf(api: Api, experimentId: string): Promise<TransferSummary | null> {
  try {
    return (await api.transfers()).outgoing.find((t) => t.experiments.some((e) => e.id === experimentId)) ?? null;
  } catch (error) {
    if (error instanceof CoreError) return null;
    throw error;
  }
}
