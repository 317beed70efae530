import { useRef, useState } from 'preact/hooks';
import { PendingIcon } from '../icons.tsx';

/**
 * Public or private. Making an experiment public asks first, saying what public means on this
 * server; making it private again does not (it takes nothing from the people listed above).
 */
/** A pending embargo, in words: "Public from 2027-01-31 09:00 UTC". */
export function embargoWords(publishAt: number | null | undefined): string | null {
  return publishAt === null || publishAt === undefined ? null : `Public from ${new Date(publishAt).toISOString().replace('T', ' ').slice(0, 16)} UTC`;
}

export function PublicSection(props: {
  name: string;
  isPublic: boolean;
  /** A pending embargo (`publish --at`); Make private cancels it. */
  publishAt?: number | null;
  pending: boolean;
  lock: string | null;
  onChange: (makePublic: boolean) => void;
}) {
  const { name, isPublic, pending, lock } = props;
  const [asking, setAsking] = useState(false);
  const opener = useRef<HTMLButtonElement>(null);
  const focusCancel = (el: HTMLButtonElement | null) => el?.focus();
  const cancel = () => {
    setAsking(false);
    setTimeout(() => opener.current?.focus(), 0);
  };
  return (
    <section aria-labelledby="public-title">
      <h3 id="public-title">Public</h3>
      <p>
        {isPublic ? 'Everyone with an account on this server can view this experiment.' : 'Only the people above can see this experiment.'}
        {pending && <span class="pending"> <PendingIcon /> change pending</span>}
      </p>
      {embargoWords(props.publishAt) && <p data-testid="embargo">{embargoWords(props.publishAt)}.</p>}
      {!asking && (
        <button
          ref={opener}
          type="button"
          disabled={lock !== null}
          aria-describedby={lock ? 'sharing-lock' : undefined}
          onClick={() => (isPublic || props.publishAt ? props.onChange(false) : setAsking(true))}
        >
          {isPublic || props.publishAt ? 'Make private' : 'Make public…'}
        </button>
      )}
      {asking && (
        <div role="group" aria-labelledby="public-confirm-title" aria-describedby="public-confirm-text" class="confirm" data-testid="public-confirm">
          <p id="public-confirm-title"><strong>Make “{name}” public?</strong></p>
          <p id="public-confirm-text">
            Every account on this server will be able to see it, read-only: view it, download its files and clone it into
            private copies of their own. Nobody gains the right to change it or its sharing. Only staff can mark it curated.
          </p>
          <button
            type="button"
            onClick={() => {
              setAsking(false);
              props.onChange(true);
            }}
          >
            Make public
          </button>
          <button type="button" ref={focusCancel} onClick={cancel}>
            Cancel
          </button>
        </div>
      )}
    </section>
  );
}
