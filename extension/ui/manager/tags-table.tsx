import { useState } from 'preact/hooks';
import type { View } from '../../messages.ts';
import { DraftInput } from '../draft-input.tsx';
import { PendingMark } from '../icons.tsx';
import { tagGrid } from './group.ts';

/**
 * Sample tags as a table: one row per file of the experiment (tags are keyed by file name and
 * the rules refuse a tag of a file the experiment lacks, so rows come from uploads only), one
 * column per dimension. Editable when the user may edit; each cell commits (Enter or leaving the
 * cell) as one Yjs edit. Rows and cells are keyed by file and dimension, never by value: a
 * collaborator's change updates the cell in place, and one arriving while this person types
 * waits for their choice (draft-input.tsx).
 */
type Props = { view: View; editable: boolean; onSet: (file: string, dimension: string, value: string) => Promise<unknown> };

export function TagsTable({ view, editable, onSet }: Props) {
  const [extraDims, setExtraDims] = useState<string[]>([]);
  const grid = tagGrid(view.tags, (view.files ?? []).map((f) => f.name), extraDims);

  return (
    <section aria-labelledby="tags-title" class="tags">
      <h3 id="tags-title">Sample tags</h3>
      {grid.files.length === 0 || grid.dimensions.length === 0 ? (
        <p class="empty">No sample tags yet.{editable ? (grid.files.length === 0 ? ' Upload a file, then add a dimension below.' : ' Add a dimension below.') : ''}</p>
      ) : (
        <div class="table-wrap">
          <table data-testid="tags-table">
            <caption class="visually-hidden">Sample tags: files by dimensions</caption>
            <thead>
              <tr>
                <th scope="col">File</th>
                {grid.dimensions.map((d) => (
                  <th scope="col" key={d}>{d}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {grid.files.map((file) => (
                <tr key={file}>
                  <th scope="row">{file}</th>
                  {grid.dimensions.map((dimension) => {
                    const value = grid.value(file, dimension);
                    const pending = view.pendingFields?.tags.some((t) => t.file === file && t.dimension === dimension) ?? false;
                    return (
                      <td key={dimension} class={pending ? 'pending-cell' : undefined}>
                        {editable ? (
                          <DraftInput value={value} label={`${dimension} of ${file}`} maxLength={200} onCommit={(text) => onSet(file, dimension, text)} />
                        ) : (
                          <span aria-label={`${dimension} of ${file}`}>{value}</span>
                        )}
                        {pending && <PendingMark label={`${dimension} of ${file} waiting to sync`} />}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {editable && (
        <div class="add-axes">
          <AddName label="Add dimension" onAdd={(name) => setExtraDims((l) => [...l, name])} />
        </div>
      )}
    </section>
  );
}

function AddName({ label, onAdd }: { label: string; onAdd: (name: string) => void }) {
  const [name, setName] = useState('');
  return (
    <form
      class="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (name.trim()) onAdd(name.trim());
        setName('');
      }}
    >
      <label>
        {label}
        <input value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <button type="submit">Add</button>
    </form>
  );
}
