import { useState } from 'preact/hooks';
import type { Gate } from '../../../shared/schemas/entities.ts';
import type { View } from '../../messages.ts';
import { DraftInput } from '../draft-input.tsx';
import { PendingMark } from '../icons.tsx';

/** The gates of an experiment: name, channels and rectangle or polygon; add (a rectangle) and remove when editable. */
type GateInput = { name: string; xChannel: string; yChannel: string; rect: [number, number, number, number] };
type Props = {
  view: View;
  editable: boolean;
  onAdd: (gate: GateInput) => void;
  /** Writes a gate changed in place (its name), whole. */
  onChange: (gateId: string, gate: Gate) => Promise<unknown>;
  onRemove: (gateId: string) => void;
  exportLock: string | null;
  onExport: (gateId: string) => void;
};

/**
 * Each gate can be exported as a linked analysis (its events as a new experiment) when allowed.
 * A gate's name is a live field (draft-input.tsx); its row is keyed by the gate's id.
 */
export function GatesList({ view, editable, onAdd, onChange, onRemove, exportLock, onExport }: Props) {
  return (
    <section aria-labelledby="gates-title" class="gates">
      <h3 id="gates-title">Gates</h3>
      {view.gates.length === 0 ? (
        <p class="empty">No gates yet.</p>
      ) : (
        <ul aria-label="Gates" data-testid="gates">
          {view.gates.map((gate, index) => (
            <li key={gate.id}>
              {editable ? (
                <DraftInput
                  value={gate.name}
                  label={`Name of gate ${index + 1}`}
                  maxLength={200}
                  valid={(name) => name.trim() !== ''}
                  onCommit={(name) => onChange(gate.id, renamed(gate, name.trim()))}
                />
              ) : (
                <strong>{gate.name}</strong>
              )}
              {view.pendingFields?.gates.includes(gate.id) && <PendingMark label={`Gate ${gate.name} waiting to sync`} />}{' '}
              — {gate.xChannel} × {gate.yChannel}, {'rect' in gate ? `[${gate.rect.join(', ')}]` : `polygon (${gate.polygon.map((p) => p.join(', ')).join('; ')})`}
              <button type="button" disabled={exportLock !== null} aria-describedby={exportLock ? 'export-lock' : undefined} onClick={() => onExport(gate.id)} aria-label={`Export gate ${gate.name} as a new experiment`}>
                Export
              </button>
              {editable && (
                <button type="button" onClick={() => onRemove(gate.id)} aria-label={`Remove gate ${gate.name}`}>
                  Remove
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {exportLock && view.gates.length > 0 && <p class="lock" id="export-lock">Export: {exportLock}</p>}
      {editable && <AddGate onAdd={onAdd} />}
    </section>
  );
}

function AddGate({ onAdd }: { onAdd: (gate: GateInput) => void }) {
  const [name, setName] = useState('');
  const [x, setX] = useState('FSC-A');
  const [y, setY] = useState('SSC-A');
  const [rect, setRect] = useState('0, 0, 1000, 1000');
  const numbers = rect.split(',').map((n) => Number(n.trim()));
  const valid = name.trim() !== '' && numbers.length === 4 && numbers.every(Number.isFinite);
  return (
    <form
      class="add-gate"
      aria-label="Add a gate"
      onSubmit={(e) => {
        e.preventDefault();
        if (!valid) return;
        onAdd({ name: name.trim(), xChannel: x.trim(), yChannel: y.trim(), rect: numbers as GateInput['rect'] });
        setName('');
      }}
    >
      <label>Gate name <input value={name} onInput={(e) => setName(e.currentTarget.value)} required /></label>
      <label>X channel <input value={x} onInput={(e) => setX(e.currentTarget.value)} required /></label>
      <label>Y channel <input value={y} onInput={(e) => setY(e.currentTarget.value)} required /></label>
      <label>Rectangle (x1, y1, x2, y2) <input value={rect} onInput={(e) => setRect(e.currentTarget.value)} required /></label>
      <button type="submit" disabled={!valid}>Add gate</button>
    </form>
  );
}

/** The gate as stored, under a new name: its shape (rectangle or polygon) kept as it is. */
function renamed(gate: View['gates'][number], name: string): Gate {
  const { xChannel, yChannel } = gate;
  return 'rect' in gate ? { name, xChannel, yChannel, rect: gate.rect } : { name, xChannel, yChannel, polygon: gate.polygon };
}
