import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { parseFcs, type FcsFile } from '../../../shared/fcs/index.ts';
import { DEFAULT_BINS, densityOfEvents, gateSpec, toAxis, type DensityAnswer, type DensityQuery, type GateSpec } from '../../../shared/plot/answer.ts';
import { DEFAULT_COFACTOR, type PlotScale } from '../../../shared/plot/scale.ts';
import type { View } from '../../messages.ts';
import { describe, errorCode } from '../describe.ts';
import { send } from '../rpc.ts';
import { gateShapesFor } from '../../../shared/plot/plot-scene.ts';
import type { FigurePanel } from '../../../shared/schemas/figures.ts';
import { AREA, fromPixelX, fromPixelY, paintPlot, PLOT, type GateShape, type Sketch } from './plot-draw.ts';

/**
 * A density plot of one FCS file of the experiment, for two channels chosen by the reader, with
 * the experiment's gates drawn on it and the share of events inside each. Those who may
 * download the file plot it here from the file itself (fetched once, parsed and binned in the
 * page with shared/plot); those who may only view it get the server's histogram, which holds
 * counts and never events. Editors make a rectangle gate by dragging on the plot, or a polygon
 * gate by clicking its vertices (double-click, Enter or a click on the first vertex closes it;
 * Escape drops it).
 */
type GateInput = { name: string; xChannel: string; yChannel: string } & ({ rect: [number, number, number, number] } | { polygon: Array<[number, number]> });
/** The plot shown now, as a figure panel names it. */
export type PlotChoice = Pick<FigurePanel, 'file' | 'x' | 'y' | 'scale' | 'cofactor'>;
type Props = { view: View; editable: boolean; onAdd: (gate: GateInput) => void; onChoice?: (choice: PlotChoice | null) => void };

/** Files plotted in the page above this size are left to the server (the page would hold them whole). */
const LOCAL_MAX_BYTES = 512 * 1024 * 1024;

/** Parsed files kept in the page, by experiment and file: switching channels does not fetch again. */
const parsedFiles = new Map<string, Promise<FcsFile>>();
const PARSED_KEPT = 2;

function parsedFile(experimentId: string, fileId: string): Promise<FcsFile> {
  const key = `${experimentId}/${fileId}`;
  let p = parsedFiles.get(key);
  if (!p) {
    p = (async () => {
      const { url } = await send({ type: 'download', id: experimentId, fileId });
      const response = await fetch(url);
      if (!response.ok) throw Object.assign(new Error('download failed'), { code: response.status === 403 ? 'DOWNLOAD_NOT_ALLOWED' : 'SERVER_UNREACHABLE' });
      const parsed = parseFcs(new Uint8Array(await response.arrayBuffer()), { events: true });
      if (!parsed.ok) throw Object.assign(new Error(parsed.error.message), { code: 'INVALID_FILE' });
      return parsed.file;
    })();
    p.catch(() => parsedFiles.delete(key));
    parsedFiles.set(key, p);
    while (parsedFiles.size > PARSED_KEPT) parsedFiles.delete(parsedFiles.keys().next().value as string);
  }
  return p;
}

/** Four significant digits: a dragged rectangle is as precise as a pixel, not as a double. */
const round = (v: number) => Number(v.toPrecision(4));

function nextGateName(view: View): string {
  const names = new Set(view.gates.map((g) => g.name));
  for (let n = view.gates.length + 1; ; n++) if (!names.has(`Gate ${n}`)) return `Gate ${n}`;
}

export function PlotPanel({ view, editable, onAdd, onChoice }: Props) {
  const files = (view.files ?? []).filter((f) => (f.channels?.length ?? 0) > 0);
  const [fileId, setFileId] = useState<string | null>(null);
  const file = files.find((f) => f.id === fileId) ?? files[0];
  const channels = file?.channels ?? [];
  const names = channels.map((c) => c.name);
  const [x, setX] = useState<string | null>(null);
  const [y, setY] = useState<string | null>(null);
  const xChannel = x !== null && names.includes(x) ? x : (names.find((n) => /^FSC/i.test(n)) ?? names[0] ?? '');
  const yChannel = y !== null && names.includes(y) ? y : (names.find((n) => /^SSC/i.test(n)) ?? names[1] ?? names[0] ?? '');
  const [scale, setScale] = useState<PlotScale>('lin');
  const [cofactor, setCofactor] = useState(DEFAULT_COFACTOR);
  const [answer, setAnswer] = useState<{ key: string; answer: DensityAnswer; local: boolean } | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [mode, setMode] = useState<'rect' | 'polygon'>('rect');
  const [sketch, setSketch] = useState<Sketch | null>(null);
  // Pointer events may come faster than renders: handlers read and write the sketch here, at once.
  const sketchRef = useRef<Sketch | null>(null);
  const draw = (next: Sketch | null) => {
    sketchRef.current = next;
    setSketch(next);
  };
  const canvas = useRef<HTMLCanvasElement>(null);

  const local = view.can.download && (file?.size ?? 0) <= LOCAL_MAX_BYTES;
  const gates: GateSpec[] = view.gates.map(gateSpec);
  const gatesKey = JSON.stringify(gates);
  const query: DensityQuery = { x: xChannel, y: yChannel, bins: DEFAULT_BINS, scale, cofactor };
  const key = JSON.stringify([view.id, file?.id, query, local]);

  useEffect(() => {
    if (!file || !xChannel || !yChannel) return;
    let current = true;
    setFailure(null);
    const compute = local
      ? parsedFile(view.id, file.id).then((parsed) => densityOfEvents(parsed, query, gates))
      : send({ type: 'density', id: view.id, fileId: file.id, query });
    compute.then(
      (a) => {
        if (!current) return;
        if (a) setAnswer({ key, answer: a, local });
        else setFailure(describe('UNKNOWN_CHANNEL'));
      },
      (e: unknown) => current && setFailure(describe(errorCode(e))),
    );
    return () => {
      current = false;
    };
    // gatesKey stands for the gates: a new or moved gate recounts.
  }, [key, gatesKey]);

  const shown = answer && answer.key === key ? answer.answer : null;
  const counts = new Map((shown?.gates ?? []).map((g) => [g.id, g]));
  const shapes: GateShape[] = useMemo(() => (shown ? gateShapesFor(view.gates, shown.gates, xChannel, yChannel) : []), [shown, gatesKey, xChannel, yChannel]);
  // The figures section saves what is plotted now.
  useEffect(() => onChoice?.(file && xChannel && yChannel ? { file: file.name, x: xChannel, y: yChannel, scale, cofactor } : null), [file?.name, xChannel, yChannel, scale, cofactor]);

  useEffect(() => {
    const ctx = canvas.current?.getContext('2d');
    if (ctx && shown) paintPlot(ctx, shown, shapes, sketch);
  }, [shown, shapes, sketch]);
  // A new plot (other file, channels or scale) drops a half-drawn gate: its pixels meant other values.
  useEffect(() => draw(null), [key, mode]);

  if (files.length === 0 || !file) return null;

  const at = (e: PointerEvent): [number, number] => {
    const box = (e.currentTarget as HTMLCanvasElement).getBoundingClientRect();
    return [((e.clientX - box.left) * PLOT.width) / box.width, ((e.clientY - box.top) * PLOT.height) / box.height];
  };
  const inArea = ([px, py]: [number, number]) => px >= AREA.x && px <= AREA.x + AREA.w && py >= AREA.y && py <= AREA.y + AREA.h;
  const drawable = editable && shown !== null;
  const finishPolygon = (points: Array<[number, number]>) => {
    draw(null);
    if (!shown || points.length < 3) return;
    const xa = toAxis(shown.x);
    const ya = toAxis(shown.y);
    onAdd({ name: nextGateName(view), xChannel, yChannel, polygon: points.map(([px, py]) => [round(fromPixelX(xa, px)), round(fromPixelY(ya, py))]) });
  };

  return (
    <section aria-labelledby="plot-title" class="plot" data-testid="plot">
      <h3 id="plot-title">Plot</h3>
      <div class="plot-controls">
        <label>File <select value={file.id} onChange={(e) => setFileId(e.currentTarget.value)}>{files.map((f) => <option key={f.id} value={f.id}>{f.name}</option>)}</select></label>
        <label>X channel <select value={xChannel} onChange={(e) => setX(e.currentTarget.value)}>{channels.map((c) => <option key={c.name} value={c.name}>{c.label ? `${c.name} (${c.label})` : c.name}</option>)}</select></label>
        <label>Y channel <select value={yChannel} onChange={(e) => setY(e.currentTarget.value)}>{channels.map((c) => <option key={c.name} value={c.name}>{c.label ? `${c.name} (${c.label})` : c.name}</option>)}</select></label>
        <label>Scale <select value={scale} onChange={(e) => setScale(e.currentTarget.value as PlotScale)}>
          <option value="lin">Linear</option>
          <option value="log">Log</option>
          <option value="asinh">Arcsinh</option>
        </select></label>
        {editable && (
          <label>New gates <select value={mode} onChange={(e) => setMode(e.currentTarget.value as 'rect' | 'polygon')}>
            <option value="rect">Rectangle (drag)</option>
            <option value="polygon">Polygon (click the vertices)</option>
          </select></label>
        )}
        {scale === 'asinh' && (
          <label title="150 suits fluorescence (flow) data, 5 mass cytometry">Cofactor <input type="number" min="0.001" step="any" value={cofactor} onChange={(e) => {
            const v = Number(e.currentTarget.value);
            if (Number.isFinite(v) && v >= 0.001 && v <= 1_000_000) setCofactor(v);
          }} /></label>
        )}
      </div>
      {failure && <p role="alert" class="error" data-testid="plot-error">{failure}</p>}
      <canvas
        ref={canvas}
        width={PLOT.width}
        height={PLOT.height}
        role="img"
        aria-label={shown ? `Density plot of ${file.name}: ${shown.x.channel} against ${shown.y.channel}, ${shown.inRange} of ${shown.events} events on the axes` : `Density plot of ${file.name}, loading`}
        data-testid="plot-canvas"
        data-painted={shown ? 'yes' : 'no'}
        class={drawable ? 'drawable' : undefined}
        tabIndex={drawable ? 0 : undefined}
        onPointerDown={(e) => {
          if (!drawable) return;
          const p = at(e);
          if (!inArea(p)) return;
          if (mode === 'rect') {
            (e.currentTarget as HTMLCanvasElement).setPointerCapture(e.pointerId);
            draw({ kind: 'rect', corners: [p[0], p[1], p[0], p[1]] });
            return;
          }
          const now = sketchRef.current;
          const points = now?.kind === 'polygon' ? now.points : [];
          const first = points[0];
          if (first && points.length >= 3 && Math.hypot(p[0] - first[0], p[1] - first[1]) <= 8) return finishPolygon(points);
          const prev = points[points.length - 1];
          if (prev && Math.hypot(p[0] - prev[0], p[1] - prev[1]) < 3) return; // the second click of a double-click
          draw({ kind: 'polygon', points: [...points, p], cursor: null });
        }}
        onPointerMove={(e) => {
          const now = sketchRef.current;
          if (!now) return;
          const [px, py] = at(e);
          const clamped: [number, number] = [Math.min(AREA.x + AREA.w, Math.max(AREA.x, px)), Math.min(AREA.y + AREA.h, Math.max(AREA.y, py))];
          draw(now.kind === 'rect' ? { kind: 'rect', corners: [now.corners[0], now.corners[1], clamped[0], clamped[1]] } : { ...now, cursor: clamped });
        }}
        onPointerUp={() => {
          const now = sketchRef.current;
          if (now?.kind !== 'rect' || !shown) return;
          draw(null);
          const [ax, ay, bx, by] = now.corners;
          if (Math.abs(bx - ax) < 4 || Math.abs(by - ay) < 4) return; // a click, not a rectangle
          const xa = toAxis(shown.x);
          const ya = toAxis(shown.y);
          const xs = [fromPixelX(xa, ax), fromPixelX(xa, bx)].sort((a, b) => a - b).map(round);
          const ys = [fromPixelY(ya, ay), fromPixelY(ya, by)].sort((a, b) => a - b).map(round);
          onAdd({ name: nextGateName(view), xChannel, yChannel, rect: [xs[0]!, ys[0]!, xs[1]!, ys[1]!] });
        }}
        onDblClick={() => {
          const now = sketchRef.current;
          if (now?.kind === 'polygon') finishPolygon(now.points);
        }}
        onKeyDown={(e) => {
          const now = sketchRef.current;
          if (e.key === 'Escape') draw(null);
          if (e.key === 'Enter' && now?.kind === 'polygon') finishPolygon(now.points);
        }}
        onPointerCancel={() => sketchRef.current?.kind === 'rect' && draw(null)}
      />
      {shown && (
        <p class="meta" data-testid="plot-summary">
          {shown.inRange.toLocaleString('en')} of {shown.events.toLocaleString('en')} events on the axes.{' '}
          {answer?.local ? 'Plotted in this browser from the file.' : view.can.download ? 'Plotted by the server: the file is too large to plot in this page.' : 'Plotted by the server: you may view this file but not download it.'}
          {drawable && (mode === 'rect' ? ' Drag on the plot to add a rectangle gate.' : ' Click the vertices of a polygon gate; double-click, Enter or a click on the first vertex closes it, Escape drops it.')}
        </p>
      )}
      {shown && view.gates.length > 0 && (
        <ul aria-label="Events in gates" data-testid="plot-gates">
          {view.gates.map((g) => {
            const c = counts.get(g.id);
            return (
              <li key={g.id} data-gate={g.name}>
                <strong>{g.name}</strong>:{' '}
                {c ? `${c.percent.toFixed(1)}% (${c.inside.toLocaleString('en')} of ${shown.events.toLocaleString('en')} events)` : 'its channels are not in this file'}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
