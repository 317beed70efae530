import { z } from 'zod';
import type { Gate } from '../schemas/entities.ts';
import { Figure } from '../schemas/figures.ts';
import { ArchiveReason, refuse } from './errors.ts';
import { gatingMlId } from './gating-ml.ts';
import { FIGURES_MAX, type Manifest } from './manifest.ts';

/**
 * figures.json: the experiment's saved figures, each a `Figure` (shared/schemas/figures.ts).
 * Gate and figure ids do not travel (an import makes new ones), so a panel that draws chosen
 * gates names them by their id in gates.xml (`gatingMlId`); on import those names become the
 * new gates' ids. Files are named as in the experiment, as sample tags name them.
 */
export const FiguresEntry = z.array(Figure).max(FIGURES_MAX);

/** The figures as the archive keeps them; `gates` in the order they are written to gates.xml. */
export function figuresForArchive(figures: ReadonlyArray<Figure & { id?: string }>, gates: ReadonlyArray<{ id: string }>): Figure[] {
  const ref = new Map(gates.map((g, i) => [g.id, gatingMlId(i)]));
  return figures.map(({ id: _id, ...figure }) => ({
    ...figure,
    panels: figure.panels.map((p) => ({
      ...p,
      // A gate removed since the figure was made is drawn by nobody: it is left out.
      gates: p.gates === 'all' ? 'all' : p.gates.flatMap((g) => (ref.has(g) ? [ref.get(g)!] : [])),
    })),
  }));
}

const bad = (message: string): never => refuse(ArchiveReason.figuresInvalid, message);

/**
 * Checks figures.json against the rest of the archive: the Figure schema, the count the
 * manifest declares, and that every panel names a file of the archive, two of its channels and
 * only gates that gates.xml has (`gateIds`: each gate's Gating-ML id, as read).
 */
export function readFiguresEntry(value: unknown, manifest: Manifest, gateIds: ReadonlyArray<string | null>): Figure[] {
  const parsed = FiguresEntry.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return bad(`figures.json: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`);
  }
  const figures = parsed.data;
  if (figures.length !== manifest.figures?.count) bad(`figures.json holds ${figures.length} figures; the manifest says ${manifest.figures?.count ?? 0}`);
  const channels = new Map(manifest.files.map((f) => [f.name, new Set(f.channels)]));
  const gates = new Set(gateIds.filter((id): id is string => id !== null));
  for (const figure of figures) {
    for (const panel of figure.panels) {
      const where = `figure "${figure.name}"`;
      const has = channels.get(panel.file) ?? bad(`${where} draws ${panel.file}, which the archive lacks`);
      for (const c of [panel.x, panel.y]) if (!has.has(c)) bad(`${where} uses channel ${c}, which ${panel.file} does not have`);
      if (panel.gates !== 'all') for (const g of panel.gates) if (!gates.has(g)) bad(`${where} draws gate ${g}, which gates.xml lacks`);
    }
  }
  return figures;
}

/**
 * The archive's figures for the new experiment: each gate reference (a Gating-ML id) becomes
 * the id the imported gate got; `newGateIds[i]` belongs to the archive's i-th gate.
 */
export function figuresForImport(figures: readonly Figure[], gateIds: ReadonlyArray<string | null>, newGateIds: ReadonlyArray<string | null>): Figure[] {
  const to = new Map<string, string>();
  gateIds.forEach((ref, i) => {
    const made = newGateIds[i];
    if (ref !== null && made !== null && made !== undefined) to.set(ref, made);
  });
  return figures.map((figure) =>
    Figure.parse({
      ...figure,
      panels: figure.panels.map((p) => ({ ...p, gates: p.gates === 'all' ? 'all' : p.gates.flatMap((g) => (to.has(g) ? [to.get(g)!] : [])) })),
    }),
  );
}

/** JSON with every object's keys sorted: equal content, equal text, whatever order it was built in. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/** The id each archive gate has among `stored` (matched by content), for an import that did not keep them. */
export function storedGateIds(archive: readonly Gate[], stored: ReadonlyArray<Gate & { id: string }>): Array<string | null> {
  const key = canonicalJson;
  const free = stored.map(({ id, ...gate }) => ({ id, key: key(gate) }));
  return archive.map((gate) => {
    const k = key(gate);
    const at = free.findIndex((s) => s.key === k);
    return at < 0 ? null : free.splice(at, 1)[0]!.id;
  });
}
