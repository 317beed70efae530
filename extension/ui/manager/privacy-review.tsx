import { useState } from 'preact/hooks';
import type { BlobPrivacy } from '../../../shared/fcs/index.ts';

/**
 * Before an upload: the file's keywords that may identify a person or place (the FCS privacy
 * check, shared/fcs/privacy.ts), each with why. All are ticked for removal; the user uploads a
 * copy without the ticked ones (the events byte for byte the same), the file as it is, or
 * nothing.
 */
export function PrivacyReview({ name, original, privacy, onUpload, onCancel }: {
  name: string;
  original: Blob;
  privacy: BlobPrivacy;
  onUpload: (body: Blob) => void;
  onCancel: () => void;
}) {
  const [removed, setRemoved] = useState<Set<string>>(() => new Set(privacy.findings.map((f) => f.keyword)));
  const [problem, setProblem] = useState<string | null>(null);
  const toggle = (keyword: string, on: boolean) => {
    const next = new Set(removed);
    if (on) next.add(keyword);
    else next.delete(keyword);
    setRemoved(next);
  };
  const uploadClean = () => {
    const copy = privacy.scrub([...removed]);
    if (!copy.ok) return setProblem(copy.message);
    onUpload(copy.blob);
  };
  return (
    <div class="privacy-review" role="group" aria-labelledby="privacy-title" data-testid="privacy-review">
      <h4 id="privacy-title">{name} may identify a person or place</h4>
      <p>These keywords travel with the file. Ticked ones are left out of the uploaded copy; the events stay exactly as they are.</p>
      <ul>
        {privacy.findings.map((f) => (
          <li key={f.keyword}>
            <label class="check">
              <input type="checkbox" checked={removed.has(f.keyword)} onChange={(e) => toggle(f.keyword, e.currentTarget.checked)} data-testid="privacy-keyword" value={f.keyword} />
              <code>{f.keyword}</code> = “{f.value}” <span class="why">— {f.why}</span>
            </label>
          </li>
        ))}
      </ul>
      {problem && <p role="alert" class="error">{problem}</p>}
      <div class="row">
        <button type="button" onClick={uploadClean} disabled={removed.size === 0} data-testid="privacy-upload-clean">
          Upload without the ticked keywords
        </button>
        <button type="button" class="secondary" onClick={() => onUpload(original)} data-testid="privacy-upload-as-is">
          Upload as it is
        </button>
        <button type="button" class="secondary" onClick={onCancel}>Cancel</button>
      </div>
    </div>
  );
}
