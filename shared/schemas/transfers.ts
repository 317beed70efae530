import { z } from 'zod';
import { ExperimentId, ExperimentName, Username } from './entities.ts';

/**
 * Moving an experiment's ownership to another account, with their consent: the owner offers,
 * the receiver accepts or declines, the owner may cancel while it waits. Until accepted the
 * receiver gets no access at all; only the offer itself (id, name, who offers) is shown to them.
 */
export const TransferId = z.string().regex(/^t-[0-9a-f]{16}$/, 'not a transfer id');
export type TransferId = z.infer<typeof TransferId>;

/** `withdrawn`: the named experiment was deleted for good while the offer waited. */
export const TransferStatus = z.enum(['pending', 'accepted', 'declined', 'cancelled', 'withdrawn']);
export type TransferStatus = z.infer<typeof TransferStatus>;

/** `POST /api/transfers`: offer `experimentId` (and with `family`, the linked ones the giver owns) to `user`. */
export const TransferRequest = z.strictObject({
  experimentId: ExperimentId,
  /** A username, or an address the server resolves to one. */
  user: z.string().trim().min(2).max(254),
  /** The giver gives up access on acceptance; without it they keep full access. */
  leave: z.boolean().optional(),
  /** Move the linked experiments the giver owns together. */
  family: z.boolean().optional(),
});
export type TransferRequest = z.infer<typeof TransferRequest>;

/** An offer as the store keeps it. `experiments`: every experiment that moves, the named one first. */
export type TransferRecord = {
  id: string;
  experimentId: string;
  giver: string;
  receiver: string;
  leave: boolean;
  family: boolean;
  experiments: string[];
  status: TransferStatus;
  createdAt: number;
  decidedAt: number | null;
};

/** Why a family member stays with its owner: not the giver's, not asked (no `family`), or in the trash. */
export const StayReason = z.enum(['not-yours', 'not-asked', 'trashed']);
export type StayReason = z.infer<typeof StayReason>;

/** A transfer as either side sees it. */
export const TransferSummary = z.strictObject({
  id: TransferId,
  experimentId: ExperimentId,
  giver: Username,
  receiver: Username,
  leave: z.boolean(),
  family: z.boolean(),
  status: TransferStatus,
  createdAt: z.number().int(),
  decidedAt: z.number().int().nullable(),
  /** What moves, named (the receiver cannot read the documents yet). */
  experiments: z.array(z.strictObject({ id: ExperimentId, name: ExperimentName })),
});
export type TransferSummary = z.infer<typeof TransferSummary>;

/** The offer's answer: the transfer, and the family's other experiments that stay where they are. */
export const TransferOfferAnswer = z.strictObject({
  transfer: TransferSummary,
  staying: z.array(z.strictObject({ experimentId: ExperimentId, owner: Username, reason: StayReason })),
});
export type TransferOfferAnswer = z.infer<typeof TransferOfferAnswer>;

/** `GET /api/transfers`: pending offers the caller made, and those made to them. */
export const TransferList = z.strictObject({ outgoing: z.array(TransferSummary), incoming: z.array(TransferSummary) });
export type TransferList = z.infer<typeof TransferList>;
