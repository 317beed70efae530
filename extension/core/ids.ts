import { DraftId, ExperimentId, GateId } from '../../shared/schemas/entities.ts';
import { FigureId } from '../../shared/schemas/figures.ts';

/**
 * Ids are made on the client so that drafts can be recorded offline. Draft ids double as the
 * intent id the server deduplicates on, so they must be unguessable and never reused.
 */
function randomToken(bytes: number): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  let out = '';
  for (const b of raw) out += b.toString(16).padStart(2, '0');
  return out;
}

export function newDraftId(): string {
  return DraftId.parse(`d${randomToken(12)}`);
}

/** Experiment ids are lowercase uuid v4, which the ExperimentId pattern accepts. */
export function newExperimentId(): string {
  return ExperimentId.parse(crypto.randomUUID().toLowerCase());
}

export function newGateId(): string {
  return GateId.parse(`g${randomToken(8)}`);
}

export function newFigureId(): string {
  return FigureId.parse(`f${randomToken(8)}`);
}
