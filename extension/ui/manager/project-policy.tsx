import { useEffect, useState } from 'preact/hooks';

/**
 * What the project's leaders and members may do: full access, or restricted with
 * an illustrations level and a cloning level. Managers always have full access.
 */
type Policy = { access: 'full' } | { access: 'restricted'; illustrations: 'view-only' | 'create'; cloning: 'disabled' | 'files-only' | 'full' };

const cloningWords = { disabled: 'no download or clone', 'files-only': 'download and clone the files only', full: 'download and clone everything' } as const;

export function policyWords(policy: Policy): string {
  if (policy.access === 'full') return 'full access';
  const illustrations = policy.illustrations === 'create' ? 'may create illustrations' : 'may view illustrations';
  return `restricted access (view only; ${illustrations}; ${cloningWords[policy.cloning]})`;
}

export function PolicyForm({ policy, lock, onSave }: { policy: Policy; lock: string | null; onSave: (p: Policy) => Promise<boolean> }) {
  const [access, setAccess] = useState(policy.access);
  const [illustrations, setIllustrations] = useState(policy.access === 'restricted' ? policy.illustrations : 'view-only');
  const [cloning, setCloning] = useState(policy.access === 'restricted' ? policy.cloning : 'disabled');
  // A change made elsewhere (another manager) replaces what the form shows.
  useEffect(() => {
    setAccess(policy.access);
    if (policy.access === 'restricted') {
      setIllustrations(policy.illustrations);
      setCloning(policy.cloning);
    }
  }, [JSON.stringify(policy)]);
  const next: Policy = access === 'full' ? { access } : { access, illustrations, cloning };
  const changed = JSON.stringify(next) !== JSON.stringify(policy);
  const disabled = lock !== null;
  return (
    <form
      class="policy-form"
      aria-label="Member access"
      onSubmit={(e) => {
        e.preventDefault();
        void onSave(next);
      }}
    >
      <fieldset disabled={disabled}>
        <legend>What leaders and members may do</legend>
        <label class="inline"><input type="radio" name="access" checked={access === 'full'} onChange={() => setAccess('full')} /> Full access</label>
        <label class="inline"><input type="radio" name="access" checked={access === 'restricted'} onChange={() => setAccess('restricted')} /> Restricted (no editing)</label>
        {access === 'restricted' && (
          <div class="policy-levels">
            <label>
              Illustrations
              <select value={illustrations} onChange={(e) => setIllustrations(e.currentTarget.value as typeof illustrations)}>
                <option value="view-only">View only</option>
                <option value="create">Create</option>
              </select>
            </label>
            <label>
              Cloning and download
              <select value={cloning} onChange={(e) => setCloning(e.currentTarget.value as typeof cloning)}>
                <option value="disabled">Disabled (no download, no clone)</option>
                <option value="files-only">Files only</option>
                <option value="full">Full</option>
              </select>
            </label>
          </div>
        )}
      </fieldset>
      <button type="submit" disabled={disabled || !changed} aria-describedby={disabled ? 'project-lock' : undefined}>Save member access</button>
    </form>
  );
}
