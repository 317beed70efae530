import { nextLink } from '../../shared/audit/history-chain.ts';
import { sha256Hex } from '../../shared/audit/sha256-node.ts';
import type { ExperimentRecord, StoreTx } from '../store/store.ts';

/**
 * Deleting an experiment for good withdraws the offer of ownership that names it, in the same
 * unit of work: nothing is left waiting for an answer that could move nothing, the receiver's
 * Inbox and `transfers` drop it, and answering it says the experiment is gone. An offer where it
 * was only a family member keeps waiting (it simply no longer moves). Only its owner can have
 * offered it, so their waiting offers are the ones to look at.
 */
export async function withdrawOffersOf(tx: StoreTx, record: ExperimentRecord, actor: string, at: number): Promise<void> {
  for (const offer of await tx.pendingTransfers({ giver: record.owner })) {
    if (offer.experimentId !== record.id || !(await tx.decideTransfer(offer.id, 'withdrawn', at))) continue;
    const detail = { transfer: offer.id, user: offer.receiver };
    await tx.appendHistory({ entries: [{ experimentId: record.id, at, actor, action: 'withdraw-transfer', verdict: 'accepted', code: null, detail }], link: (head, fields) => nextLink(sha256Hex, head, fields) });
    await tx.audit({ at, actor, action: 'withdraw-transfer', experimentId: record.id, verdict: 'accepted', code: null, detail: { ...detail, experiments: offer.experiments } });
  }
}
