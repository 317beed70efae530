import type { SharingState } from '../schemas/entities.ts';

/**
 * Linked experiments form a family: parent, children, siblings, transitively. Sharing changes
 * cascade across the whole family. `experiments` holds at least every member the caller knows.
 */
export function familyOf(id: string, experiments: ReadonlyMap<string, SharingState>): string[] {
  const children = new Map<string, string[]>();
  for (const exp of experiments.values()) {
    if (exp.parentId === null) continue;
    const list = children.get(exp.parentId) ?? [];
    list.push(exp.id);
    children.set(exp.parentId, list);
  }
  const seen = new Set<string>([id]);
  const queue = [id];
  while (queue.length > 0) {
    const current = queue.pop() as string;
    const parent = experiments.get(current)?.parentId ?? null;
    for (const next of [...(children.get(current) ?? []), ...(parent === null ? [] : [parent])]) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return [...seen].sort();
}

/** The top-most known ancestor: the Experiment Manager groups a family under it. */
export function rootOf(id: string, experiments: ReadonlyMap<string, SharingState | { parentId: string | null }>): string {
  let current = id;
  const seen = new Set<string>();
  for (;;) {
    seen.add(current);
    const parent = experiments.get(current)?.parentId ?? null;
    if (parent === null || seen.has(parent) || !experiments.has(parent)) return current;
    current = parent;
  }
}

/** Would making `parentId` the parent of `childId` close a loop? */
export function wouldCycle(childId: string, parentId: string, experiments: ReadonlyMap<string, SharingState>): boolean {
  let current: string | null = parentId;
  const seen = new Set<string>();
  while (current !== null && !seen.has(current)) {
    if (current === childId) return true;
    seen.add(current);
    current = experiments.get(current)?.parentId ?? null;
  }
  return false;
}
