/**
 * Small inline icons. Each carries its meaning as text for assistive technology (`role="img"`
 * with a label) and as a tooltip, since an icon alone says nothing to a screen reader.
 */
type IconProps = { label: string; path: string };

function Icon({ label, path }: IconProps) {
  return (
    <svg class="icon" role="img" aria-label={label} viewBox="0 0 16 16" width="14" height="14">
      <title>{label}</title>
      <path d={path} fill="none" stroke="currentColor" stroke-width="1.4" stroke-linecap="round" stroke-linejoin="round" />
    </svg>
  );
}

export const GlobeIcon = () => <Icon label="Public" path="M8 1.5a6.5 6.5 0 1 0 0 13a6.5 6.5 0 1 0 0-13M1.5 8h13M8 1.5c2 2 2 11 0 13M8 1.5c-2 2-2 11 0 13" />;
export const CuratedIcon = () => <Icon label="Curated" path="M8 1.5l1.9 4 4.4.5-3.3 3 .9 4.4L8 11.2l-3.9 2.2.9-4.4-3.3-3 4.4-.5z" />;
export const SharedIcon = () => <Icon label="Shared with others" path="M5.5 7a2.2 2.2 0 1 0 0-.1M11 5.5a1.8 1.8 0 1 0 0-.1M1.5 14c0-2.5 1.8-4 4-4s4 1.5 4 4M10 9.6c2.3-.4 4.5 1 4.5 3.6" />;
export const PendingIcon = ({ label = 'Pending' }: { label?: string }) => <Icon label={label} path="M8 1.5a6.5 6.5 0 1 0 0 13a6.5 6.5 0 1 0 0-13M8 4.5V8l2.5 1.5" />;

/** The mark of something changed here that the server has not decided yet. */
export function PendingMark({ label }: { label: string }) {
  return (
    <span class="pending-mark" data-testid="pending-mark">
      <PendingIcon label={label} />
    </span>
  );
}

/** A row's pending mark: made offline, or renamed, and not yet decided by the server. */
export function RowPendingMark({ row }: { row: { pending?: true | undefined; pendingName?: true | undefined } }) {
  if (row.pending) return <PendingMark label="Created here, waiting to sync" />;
  if (row.pendingName) return <PendingMark label="New name waiting to sync" />;
  return null;
}

export function RowIcons({ row }: { row: { public: boolean; curated: boolean; sharedWithOthers: boolean } }) {
  return (
    <span class="row-icons">
      {row.public && <GlobeIcon />}
      {row.curated && <CuratedIcon />}
      {row.sharedWithOthers && <SharedIcon />}
    </span>
  );
}
