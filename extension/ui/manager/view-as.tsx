import { useState } from 'preact/hooks';
import type { AccessPreview, View } from '../../messages.ts';
import { describe, errorCode } from '../describe.ts';
import { send } from '../rpc.ts';
import { FilesSection } from './files-section.tsx';
import { GatesList } from './gates-list.tsx';
import { TagsTable } from './tags-table.tsx';

/**
 * "View as…": the owner or a full-access user sees the experiment as a chosen person would,
 * computed by the core with the shared rules (nobody signs in as them). The preview is
 * read-only whatever the person may do: it shows their rights in words, never acts on them.
 */
const accessWords: Record<string, string> = {
  owner: 'owns it',
  full: 'full access',
  restricted: 'restricted access (project policy)',
  viewer: 'can view (no editing, downloads or copies)',
  public: 'public access (view, download, clone)',
  none: 'no access',
};
const rightWords: Record<string, string> = { edit: 'edit', manageSharing: 'share', clone: 'clone', cloneFiles: 'clone files', download: 'download', illustrate: 'illustrate', trash: 'trash' };
const noop = () => undefined;

export function ViewAsControl({ id, onPreview }: { id: string; onPreview: (preview: AccessPreview) => void }) {
  const [user, setUser] = useState('');
  const [refusal, setRefusal] = useState<string | null>(null);
  const submit = async () => {
    setRefusal(null);
    try {
      onPreview(await send({ type: 'showAs', id, user: user.trim() }));
    } catch (e) {
      setRefusal(describe(errorCode(e)));
    }
  };
  return (
    <form class="view-as" aria-label="View as another person" onSubmit={(e) => { e.preventDefault(); void submit(); }}>
      <label>
        View as{' '}
        <input name="view-as" value={user} placeholder="username" onInput={(e) => setUser(e.currentTarget.value)} data-testid="view-as-user" />
      </label>
      <button type="submit" disabled={user.trim().length < 2}>View as…</button>
      {refusal && <p role="alert" class="error">{refusal}</p>}
    </form>
  );
}

export function ViewAsPreview({ preview, onExit }: { preview: AccessPreview; onExit: () => void }) {
  const { view } = preview;
  const rights = view ? Object.entries(view.can).filter(([, yes]) => yes).map(([right]) => rightWords[right] ?? right) : [];
  // Shown read-only: the sections get a view whose rights are all off.
  const readOnly: View | null = view ? { ...view, can: { edit: false, manageSharing: false, clone: false, cloneFiles: false, download: false, illustrate: false, trash: false } } : null;
  return (
    <article class="experiment-view view-as-preview" aria-labelledby="view-as-title" data-testid="view-as-preview">
      <div class="banner" role="status" data-testid="view-as-banner">
        Viewing as <strong>{preview.user}</strong>: {accessWords[preview.access] ?? preview.access}
        {preview.decidedBy ? ` (through ${preview.decidedBy})` : ''}. {view ? `May: ${rights.length > 0 ? rights.join(', ') : 'only view'}.` : ''}{' '}
        {preview.hidden.length > 0 ? `Hidden from them: ${preview.hidden.join(', ')}.` : 'Nothing is hidden from them.'}{' '}
        <button type="button" onClick={onExit} data-testid="view-as-exit">Exit preview</button>
      </div>
      {readOnly ? (
        <>
          <h2 id="view-as-title">{readOnly.name}</h2>
          {readOnly.purpose && <p class="purpose">Purpose: {readOnly.purpose}</p>}
          <FilesSection view={readOnly} />
          <TagsTable view={readOnly} editable={false} onSet={async () => undefined} />
          <GatesList view={readOnly} editable={false} onAdd={noop} onChange={async () => undefined} onRemove={noop} exportLock="This is a preview." onExport={noop} />
        </>
      ) : (
        <p id="view-as-title" data-testid="view-as-nothing">{preview.user} cannot see this experiment at all.</p>
      )}
    </article>
  );
}
