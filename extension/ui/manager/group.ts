import { rootOf } from '../../../shared/rules/family.ts';
import type { Row } from '../../messages.ts';

/**
 * Linked experiments are shown under their top-most ancestor (the Experiment Manager's
 * grouping). A row whose ancestors are not in the list heads its own group, so a filter never
 * hides a row just because its parent does not match.
 */
export type Group = { head: Row; members: Array<{ row: Row; depth: number }> };

export function groupByFamily(rows: Row[]): Group[] {
  const byId = new Map(rows.map((row) => [row.id, row]));
  const children = new Map<string, Row[]>();
  const heads: Row[] = [];
  for (const row of rows) {
    const root = rootOf(row.id, byId);
    if (root === row.id) heads.push(row);
    else {
      const parent = row.parentId as string;
      children.set(parent, [...(children.get(parent) ?? []), row]);
    }
  }
  const groups = heads.map((head) => {
    const members: Group['members'] = [];
    const walk = (id: string, depth: number, seen: Set<string>) => {
      for (const child of children.get(id) ?? []) {
        if (seen.has(child.id)) continue;
        seen.add(child.id);
        members.push({ row: child, depth });
        walk(child.id, depth + 1, seen);
      }
    };
    walk(head.id, 1, new Set([head.id]));
    return { head, members };
  });
  // A loop of parents (never valid, but a replica may hold one briefly) has no head: show its rows alone.
  const shown = new Set(groups.flatMap((g) => [g.head.id, ...g.members.map((m) => m.row.id)]));
  for (const row of rows) if (!shown.has(row.id)) groups.push({ head: row, members: [] });
  return groups;
}

/** The tag table's axes: files as rows, dimensions as columns, both sorted. */
export function tagGrid(tags: Array<{ file: string; dimension: string; value: string }>, extraFiles: string[] = [], extraDimensions: string[] = []) {
  const files = [...new Set([...tags.map((t) => t.file), ...extraFiles])].sort();
  const dimensions = [...new Set([...tags.map((t) => t.dimension), ...extraDimensions])].sort();
  const cells = new Map(tags.map((t) => [`${t.file}\u0000${t.dimension}`, t.value]));
  const value = (file: string, dimension: string) => cells.get(`${file}\u0000${dimension}`) ?? '';
  return { files, dimensions, value };
}
