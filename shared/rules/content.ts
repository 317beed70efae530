import type { z } from 'zod';
import { ErrorCode } from '../codes.ts';
import { contentValueSchema, ExperimentRoot, parseTagKey, serverOwnedRoots } from '../doc-layout.ts';
import { GateId, type Actor, type SharingState } from '../schemas/entities.ts';
import type { ProjectState } from '../schemas/project.ts';
import { can, Capability } from './access.ts';
import { allow, refuse, type Verdict } from './verdict.ts';

/**
 * One field a content edit writes: a key of a root map of an experiment document, with the
 * new value, or `deleted` when the edit removes the key.
 */
export type ContentWrite = { root: string; key: string | null; value: unknown; deleted: boolean };

/**
 * May `actor` write this field? Order: the field must exist and belong to clients, then the
 * actor must hold the edit right, then the value must have the field's shape.
 */
export function checkContentWrite(exp: SharingState, actor: Actor, write: ContentWrite, project?: ProjectState | null): Verdict {
  const path = write.key === null ? [write.root] : [write.root, write.key];
  if (serverOwnedRoots.has(write.root)) return refuse(ErrorCode.SERVER_OWNED_FIELD, 'written by the server only', path);
  const shape = fieldSchema(write.root, write.key);
  if (shape === null) return refuse(ErrorCode.UNKNOWN_FIELD, `no field ${path.join('.')}`, path);
  const edit = can(exp, actor, Capability.edit, project);
  if (!edit.ok) return { ...edit, path };
  if (write.deleted) {
    return write.root === ExperimentRoot.meta && write.key === 'name'
      ? refuse(ErrorCode.INVALID_VALUE, 'an experiment keeps a name', path)
      : allow;
  }
  const parsed = shape.safeParse(write.value);
  if (!parsed.success) {
    return refuse(ErrorCode.INVALID_VALUE, parsed.error.issues[0]?.message ?? 'wrong shape', path);
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
    default:
      return null;
  }
}
