import type { z } from 'zod';
import { ErrorCode } from '../codes.ts';
import { contentValueSchema, ExperimentRoot, parseTagKey, serverOwnedRoots } from '../doc-layout.ts';
import { GateId, isSingleLine, SINGLE_LINE_MESSAGE, type Actor, type SharingState } from '../schemas/entities.ts';
import { FigureId, type Figure } from '../schemas/figures.ts';
import type { ProjectState } from '../schemas/project.ts';
import { can, Capability } from './access.ts';
import { allow, refuse, type Verdict } from './verdict.ts';

/**
 * One field a content edit writes: a key of a root map of an experiment document, with the
 * new value, or `deleted` when the edit removes the key.
 */
export type ContentWrite = { root: string; key: string | null; value: unknown; deleted: boolean };

/**
 * What the experiment document holds that a content write refers to: its files (server-owned,
 * in the same document) and its gates. Absent where the caller does not know; then references
 * are left to whoever does (the server always passes them).
 */
export type ContentFacts = {
  hasFile(name: string): boolean;
  hasChannel(channel: string): boolean;
  /** A gate that exists now (a removed gate, written as null, does not). */
  hasGate(gateId: string): boolean;
  /** The same for figures; absent, a figure's removal is not checked against the document. */
  hasFigure?(figureId: string): boolean;
};

/**
 * May `actor` write this field? Order: the field must exist and belong to clients, then the
 * actor must hold the right the field needs (`illustrate` for figures, `edit` for the rest),
 * then the value must have the field's shape.
 */
export function checkContentWrite(exp: SharingState, actor: Actor, write: ContentWrite, project?: ProjectState | null, facts?: ContentFacts): Verdict {
  const path = write.key === null ? [write.root] : [write.root, write.key];
  if (serverOwnedRoots.has(write.root)) return refuse(ErrorCode.SERVER_OWNED_FIELD, 'written by the server only', path);
  const shape = fieldSchema(write.root, write.key);
  if (shape === null) return refuse(ErrorCode.UNKNOWN_FIELD, `no field ${path.join('.')}`, path);
  const right = can(exp, actor, write.root === ExperimentRoot.figures ? Capability.illustrate : Capability.edit, project);
  if (!right.ok) return { ...right, path };
  if (write.deleted) {
    return write.root === ExperimentRoot.meta && write.key === 'name'
      ? refuse(ErrorCode.INVALID_VALUE, 'an experiment keeps a name', path)
      : allow;
  }
  const parsed = shape.safeParse(write.value);
  if (!parsed.success) {
    return refuse(ErrorCode.INVALID_VALUE, parsed.error.issues[0]?.message ?? 'wrong shape', path);
  }
  return checkReferences(write, path, facts);
}

/**
 * A tag names a file of the experiment (tags are keyed by file name) and a one-line dimension;
 * a gate's channels are channels of its files; removing a gate needs the gate. Deleting a tag
 * cell stays allowed, so cells of a file that went away can be cleaned up. A figure's panels
 * name files and channels of the experiment; the gates they list may later be removed (a
 * panel then draws the ones left), so gate ids are checked for shape only.
 */
function checkReferences(write: ContentWrite, path: string[], facts: ContentFacts | undefined): Verdict {
  if (write.key === null) return allow;
  if (write.root === ExperimentRoot.tags) {
    const cell = parseTagKey(write.key);
    if (cell && !isSingleLine(cell.dimension)) return refuse(ErrorCode.INVALID_VALUE, `a dimension ${SINGLE_LINE_MESSAGE}`, path);
    if (cell && facts && !facts.hasFile(cell.file)) return refuse(ErrorCode.UNKNOWN_FILE, `the experiment has no file named ${JSON.stringify(cell.file)}`, path);
    return allow;
  }
  if (write.root === ExperimentRoot.gates && facts) {
    if (write.value === null) {
      return facts.hasGate(write.key) ? allow : refuse(ErrorCode.UNKNOWN_GATE, 'no such gate to remove', path);
    }
    const gate = write.value as { xChannel: string; yChannel: string };
    for (const channel of [gate.xChannel, gate.yChannel]) {
      if (!facts.hasChannel(channel)) return refuse(ErrorCode.UNKNOWN_CHANNEL, `no file of the experiment has channel ${JSON.stringify(channel)}`, path);
    }
  }
  if (write.root === ExperimentRoot.figures && facts && write.value === null) {
    return !facts.hasFigure || facts.hasFigure(write.key) ? allow : refuse(ErrorCode.UNKNOWN_FIGURE, 'no such figure to remove', path);
  }
  if (write.root === ExperimentRoot.figures && facts) {
    for (const panel of (write.value as Figure).panels) {
      if (!facts.hasFile(panel.file)) return refuse(ErrorCode.UNKNOWN_FILE, `the experiment has no file named ${JSON.stringify(panel.file)}`, path);
      for (const channel of [panel.x, panel.y]) {
        if (!facts.hasChannel(channel)) return refuse(ErrorCode.UNKNOWN_CHANNEL, `no file of the experiment has channel ${JSON.stringify(channel)}`, path);
      }
    }
  }
  return allow;
}

function fieldSchema(root: string, key: string | null): z.ZodType | null {
  if (key === null) return null;
  switch (root) {
    case ExperimentRoot.meta:
      return Object.hasOwn(contentValueSchema.meta, key) ? (contentValueSchema.meta[key] ?? null) : null;
    case ExperimentRoot.tags:
      return parseTagKey(key) === null ? null : contentValueSchema.tags;
    case ExperimentRoot.gates:
      return GateId.safeParse(key).success ? contentValueSchema.gates : null;
    case ExperimentRoot.figures:
      return FigureId.safeParse(key).success ? contentValueSchema.figures : null;
    default:
      return null;
  }
}
