import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { Gate } from '../schemas/entities.ts';
import { ArchiveReason, refuse } from './errors.ts';

/**
 * Gates as Gating-ML 2.0 (the ISAC standard), so other cytometry software can read them:
 * a rectangle is a `gating:RectangleGate` with two `gating:dimension`s (min, max), a polygon a
 * `gating:PolygonGate` with two dimensions and its `gating:vertex` list. Every dimension is an
 * `data-type:fcs-dimension` named by the channel, uncompensated and untransformed: our gates
 * are in raw channel units. The gate's name rides in `data-type:custom_info`.
 *
 * Reading accepts any namespace prefixes (bound to the two ISAC namespaces on the root) and
 * refuses what our gates cannot hold: other gate types, transformed or compensated
 * dimensions, open rectangles. A DOCTYPE is refused before parsing, so no entity is declared
 * or expanded; the text is bounded before it is read.
 */
export const GATING_NS = 'http://www.isac-net.org/std/Gating-ML/v2.0/gating';
export const DATATYPE_NS = 'http://www.isac-net.org/std/Gating-ML/v2.0/datatypes';
export const GATING_ML_MAX_CHARS = 8 * 1024 * 1024;
export const GATING_ML_MAX_GATES = 10_000;

export type NamedGate = Gate & { id?: string };

const A = '@_';
const num = (n: number) => String(n);

function dimension(channel: string, bounds?: { min: number; max: number }) {
  return {
    [`${A}gating:compensation-ref`]: 'uncompensated',
    ...(bounds ? { [`${A}gating:min`]: num(bounds.min), [`${A}gating:max`]: num(bounds.max) } : {}),
    'data-type:fcs-dimension': { [`${A}data-type:name`]: channel },
  };
}

const info = (name: string) => ({ 'data-type:custom_info': { cytoshare: { [`${A}gate-name`]: name } } });

/**
 * The Gating-ML id of the archive's i-th gate: a valid gate id and XML name, so figures.json can
 * name the gates a figure draws by it (the experiment's own gate ids do not travel).
 */
export const gatingMlId = (i: number): string => `gate-${i + 1}`;

export function writeGatingMl(gates: readonly NamedGate[]): string {
  const rects: unknown[] = [];
  const polygons: unknown[] = [];
  gates.forEach((gate, i) => {
    const id = gatingMlId(i);
    if ('rect' in gate) {
      const [x1, y1, x2, y2] = gate.rect;
      rects.push({
        [`${A}gating:id`]: id,
        ...info(gate.name),
        'gating:dimension': [dimension(gate.xChannel, { min: Math.min(x1, x2), max: Math.max(x1, x2) }), dimension(gate.yChannel, { min: Math.min(y1, y2), max: Math.max(y1, y2) })],
      });
    } else {
      polygons.push({
        [`${A}gating:id`]: id,
        ...info(gate.name),
        'gating:dimension': [dimension(gate.xChannel), dimension(gate.yChannel)],
        'gating:vertex': gate.polygon.map(([x, y]) => ({ 'gating:coordinate': [{ [`${A}data-type:value`]: num(x) }, { [`${A}data-type:value`]: num(y) }] })),
      });
    }
  });
  const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: A, format: true, suppressEmptyNode: true });
  return builder.build({
    '?xml': { [`${A}version`]: '1.0', [`${A}encoding`]: 'UTF-8' },
    'gating:Gating-ML': {
      [`${A}xmlns:gating`]: GATING_NS,
      [`${A}xmlns:data-type`]: DATATYPE_NS,
      ...(rects.length > 0 ? { 'gating:RectangleGate': rects } : {}),
      ...(polygons.length > 0 ? { 'gating:PolygonGate': polygons } : {}),
    },
  }) as string;
}

type Node = Record<string, unknown>;
const bad = (message: string): never => refuse(ArchiveReason.gatingMlInvalid, message);
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Reads gates written by writeGatingMl or by other software within the same subset. */
export function readGatingMl(text: string): Gate[] {
  return readGatingMlWithIds(text).gates;
}

/** The gates and, beside each, its `gating:id` (null when it has none): what figures.json names. */
export function readGatingMlWithIds(text: string): { gates: Gate[]; ids: Array<string | null> } {
  if (text.length > GATING_ML_MAX_CHARS) bad(`the Gating-ML is over ${GATING_ML_MAX_CHARS} characters`);
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) bad('a DOCTYPE or entity declaration is not accepted');
  let doc: Node;
  try {
    const parser = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: A,
      parseAttributeValue: false,
      parseTagValue: false,
      processEntities: { enabled: true, maxEntityCount: 1, maxEntitySize: 1, maxExpandedLength: 1 },
      htmlEntities: false,
      isArray: (name) => /:(RectangleGate|PolygonGate|dimension|vertex|coordinate)$/.test(name),
    });
    doc = parser.parse(text, true) as Node;
  } catch (error) {
    return bad(`not well-formed XML (${error instanceof Error ? error.message.slice(0, 200) : 'unreadable'})`);
  }
  const rootKey = Object.keys(doc).find((k) => k.endsWith(':Gating-ML') || k === 'Gating-ML');
  const root = rootKey === undefined ? undefined : doc[rootKey];
  if (rootKey === undefined || !isNode(root)) return bad('no Gating-ML root element');
  const prefixOf = (ns: string) => {
    const attr = Object.keys(root).find((k) => k.startsWith(`${A}xmlns:`) && root[k] === ns);
    return attr === undefined ? bad(`the namespace ${ns} is not declared on the root`) : attr.slice(`${A}xmlns:`.length);
  };
  const g = prefixOf(GATING_NS);
  const d = prefixOf(DATATYPE_NS);
  if (rootKey !== `${g}:Gating-ML`) bad('the root element is not in the Gating-ML namespace');

  const gates: Gate[] = [];
  const ids: Array<string | null> = [];
  for (const key of Object.keys(root)) {
    if (key.startsWith(A) || key === '#text') continue;
    if (key !== `${g}:RectangleGate` && key !== `${g}:PolygonGate`) bad(`unsupported element ${key} (only rectangle and polygon gates)`);
    for (const el of list(root[key])) {
      if (!isNode(el)) bad(`an empty ${key}`);
      const node = el as Node;
      if (gates.length >= GATING_ML_MAX_GATES) bad(`more than ${GATING_ML_MAX_GATES} gates`);
      if (node[`${A}${g}:parent_id`] !== undefined) bad('gates with a parent are not supported');
      const dims = list(node[`${g}:dimension`]).map((dim) => readDimension(dim, g, d));
      if (dims.length !== 2) bad(`a gate needs exactly two dimensions, found ${dims.length}`);
      const [x, y] = dims as [Dim, Dim];
      const name = readName(node, d) ?? String(node[`${A}${g}:id`] ?? `gate ${gates.length + 1}`);
      let gate: unknown;
      if (key === `${g}:RectangleGate`) {
        if (x.min === null || x.max === null || y.min === null || y.max === null) bad('a rectangle needs min and max on both dimensions');
        gate = { name, xChannel: x.channel, yChannel: y.channel, rect: [x.min, y.min, x.max, y.max] };
      } else {
        const polygon = list(node[`${g}:vertex`]).map((v) => {
          const coords = isNode(v) ? list(v[`${g}:coordinate`]) : [];
          if (coords.length !== 2) bad('a polygon vertex needs two coordinates');
          return coords.map((c) => numberAttr(c, `${A}${d}:value`) ?? bad('a coordinate without a value'));
        });
        gate = { name, xChannel: x.channel, yChannel: y.channel, polygon };
      }
      const parsed = Gate.safeParse(gate);
      if (!parsed.success) bad(`gate "${name}": ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      gates.push(parsed.data as Gate);
      const id = node[`${A}${g}:id`];
      ids.push(typeof id === 'string' ? id : null);
    }
  }
  return { gates, ids };
}

type Dim = { channel: string; min: number | null; max: number | null };

function readDimension(dim: unknown, g: string, d: string): Dim {
  if (!isNode(dim)) return bad('an empty dimension');
  const comp = dim[`${A}${g}:compensation-ref`];
  if (comp !== undefined && comp !== 'uncompensated') bad('compensated dimensions are not supported');
  if (dim[`${A}${g}:transformation-ref`] !== undefined) bad('transformed dimensions are not supported (gates are in raw channel units)');
  const fcs = dim[`${d}:fcs-dimension`];
  const channel = isNode(fcs) ? fcs[`${A}${d}:name`] : undefined;
  if (typeof channel !== 'string' || channel.length === 0) return bad('a dimension without an fcs-dimension name');
  return { channel, min: numberAttr(dim, `${A}${g}:min`), max: numberAttr(dim, `${A}${g}:max`) };
}

function numberAttr(node: unknown, key: string): number | null {
  if (!isNode(node) || node[key] === undefined) return null;
  const raw = node[key];
  const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  if (!Number.isFinite(value)) bad(`${key.slice(A.length)}="${String(raw).slice(0, 40)}" is not a finite number`);
  return value;
}

function readName(node: Node, d: string): string | null {
  const info = node[`${d}:custom_info`];
  const ours = isNode(info) ? info.cytoshare : undefined;
  const name = isNode(ours) ? ours[`${A}gate-name`] : undefined;
  return typeof name === 'string' ? name : null;
}

/** Channels the gates use that no file of the archive has: a gate there could never be stored. */
export function unknownGateChannels(gates: readonly Gate[], channels: ReadonlySet<string>): string[] {
  const missing = new Set<string>();
  for (const gate of gates) for (const c of [gate.xChannel, gate.yChannel]) if (!channels.has(c)) missing.add(c);
  return [...missing];
}
