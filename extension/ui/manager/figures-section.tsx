import { useState } from 'preact/hooks';
import { describeCode, ErrorCode } from '../../../shared/codes.ts';
import { figureScene, loadFigurePanels } from '../../../shared/plot/figure-scene.ts';
import { sceneToSvg } from '../../../shared/plot/scene-svg.ts';
import { onePanelFigure, type Figure } from '../../../shared/schemas/figures.ts';
import type { View } from '../../messages.ts';
import { describe, errorCode } from '../describe.ts';
import { DraftInput } from '../draft-input.tsx';
import { send } from '../rpc.ts';
import type { PlotChoice } from './plot-panel.tsx';
import { sceneToPngBlob } from './scene-canvas.ts';

/**
 * The experiment's illustrations: saved figures, live like every field of the experiment.
 * Anyone who may view the experiment lists them and exports them (PNG or SVG, drawn from the
 * server's density answers, so no file download is needed); adding, renaming and removing
 * need the `illustrate` right, which a restricted project member has only when the project's
 * illustrations level is `create`.
 */
type FigureRow = Figure & { id: string };
type Props = {
  view: View;
  /** What the plot above shows now: "add" saves it. */
  choice: PlotChoice | null;
  act: (request: Parameters<typeof send>[0]) => Promise<unknown>;
};

export function figuresLockReason(view: Pick<View, 'trashed' | 'projectId' | 'public' | 'can'>): string | null {
  if (view.can.illustrate) return null;
  if (view.trashed) return describeCode(ErrorCode.EXPERIMENT_TRASHED);
  return view.projectId && !view.can.edit && !view.public
    ? 'The project’s settings let members view figures but not create them.'
    : describeCode(ErrorCode.READ_ONLY);
}

function nextName(figures: readonly FigureRow[]): string {
  const names = new Set(figures.map((f) => f.name));
  for (let n = figures.length + 1; ; n++) if (!names.has(`Figure ${n}`)) return `Figure ${n}`;
}

/** A name safe on every file system: the figure's name, without what paths treat specially. */
const fileNameOf = (figure: FigureRow, ext: string) => `${figure.name.replace(/[\\/:*?"<>|\u0000-\u001f]+/g, '_').slice(0, 120) || 'figure'}.${ext}`;

export function FiguresSection({ view, choice, act }: Props) {
  const figures: FigureRow[] = view.figures ?? [];
  const lock = figuresLockReason(view);
  const [name, setName] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  const exportAs = async (figure: FigureRow, format: 'png' | 'svg') => {
    setFailure(null);
    setBusy(`${figure.id}/${format}`);
    try {
      const panels = await loadFigurePanels(figure, view.files ?? [], (fileId, query) => send({ type: 'density', id: view.id, fileId, query }), (e) => describe(errorCode(e)));
      const scene = figureScene(figure, panels, view.gates);
      const blob = format === 'svg' ? new Blob([sceneToSvg(scene)], { type: 'image/svg+xml' }) : await sceneToPngBlob(scene);
      const url = URL.createObjectURL(blob);
      Object.assign(document.createElement('a'), { href: url, download: fileNameOf(figure, format) }).click();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (e) {
      setFailure(describe(errorCode(e)));
    } finally {
      setBusy(null);
    }
  };

  const add = () => {
    if (!choice) return;
    const figure = onePanelFigure(name.trim() || nextName(figures), choice);
    setName('');
    void act({ type: 'addFigure', id: view.id, figure });
  };

  return (
    <section aria-labelledby="figures-title" class="figures gates" data-testid="figures">
      <h3 id="figures-title">Figures</h3>
      {figures.length === 0 ? (
        <p class="empty">No figures yet.</p>
      ) : (
        <ul aria-label="Figures" data-testid="figure-list">
          {figures.map((figure, index) => (
            <li key={figure.id} data-figure={figure.name}>
              {lock === null ? (
                <DraftInput
                  value={figure.name}
                  label={`Name of figure ${index + 1}`}
                  maxLength={200}
                  valid={(n) => n.trim() !== ''}
                  onCommit={(n) => act({ type: 'setFigure', id: view.id, figureId: figure.id, figure: { ...withoutId(figure), name: n.trim() } })}
                />
              ) : (
                <strong>{figure.name}</strong>
              )}{' '}
              — {figure.panels.map((p) => `${p.file}: ${p.x} × ${p.y} (${p.scale})`).join('; ')}
              <button type="button" disabled={busy !== null} onClick={() => void exportAs(figure, 'png')} aria-label={`Export figure ${figure.name} as PNG`}>
                {busy === `${figure.id}/png` ? 'Exporting…' : 'PNG'}
              </button>
              <button type="button" disabled={busy !== null} onClick={() => void exportAs(figure, 'svg')} aria-label={`Export figure ${figure.name} as SVG`}>
                {busy === `${figure.id}/svg` ? 'Exporting…' : 'SVG'}
              </button>
              {lock === null && (
                <button type="button" onClick={() => void act({ type: 'removeFigure', id: view.id, figureId: figure.id })} aria-label={`Remove figure ${figure.name}`}>
                  Remove
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {failure && <p role="alert" class="error" data-testid="figure-error">{failure}</p>}
      <form
        class="add-figure"
        aria-label="Add a figure"
        onSubmit={(e) => {
          e.preventDefault();
          add();
        }}
      >
        <label>Figure name <input value={name} placeholder={nextName(figures)} maxLength={200} disabled={lock !== null} onInput={(e) => setName(e.currentTarget.value)} /></label>
        <button type="submit" disabled={lock !== null || choice === null} aria-describedby={lock ? 'figures-lock' : undefined}>
          Save the plot as a figure
        </button>
        {choice && <span class="meta"> {choice.file}: {choice.x} × {choice.y} ({choice.scale})</span>}
      </form>
      {lock && <p class="lock" id="figures-lock" data-testid="figures-lock">Figures: {lock}</p>}
    </section>
  );
}

function withoutId({ id: _id, ...figure }: FigureRow): Figure {
  return figure;
}
