import * as z from 'zod/mini';
import { LIST_SORTS } from './core/list-order.ts';
import { FIRST_PAGE, POPUP_SNAPSHOT_KEY } from './ui/popup-prefetch-keys.ts';

/**
 * The popup's first screen as the worker last computed it: the account, the first page of the
 * list in each order and of the Inbox. The worker keeps it in `storage.session` (in memory, for
 * this browser session, readable by the extension's own pages only), with a copy in
 * `storage.local` for the first popup after a browser start, and drops both the moment the
 * lists change (background/popup-snapshot-writer.ts), so the popup can paint its list
 * without waiting for the worker to wake up, load the index and answer, and without loading
 * the full message schemas first. The popup then asks the worker as before and shows its
 * answers. zod/mini, not zod: the popup parses this before anything else loads, and the
 * classic build of zod is most of the popup's script.
 */
export { POPUP_SNAPSHOT_KEY };

// Extension pages forbid eval by CSP: zod must not probe for it (as in messages.ts).
z.config({ jitless: true });

/** A row as the popup's lists draw it (ui/experiment-list.tsx), nothing more. */
export const ShownRow = z.object({
  id: z.string(),
  name: z.string(),
  owner: z.string(),
  public: z.boolean(),
  curated: z.boolean(),
  sharedWithOthers: z.boolean(),
  pending: z.optional(z.literal(true)),
  pendingName: z.optional(z.literal(true)),
});
export type ShownRow = z.infer<typeof ShownRow>;

const FirstPage = z.object({
  rows: z.array(ShownRow).check(z.maxLength(FIRST_PAGE)),
  /** How many rows the whole list has. */
  total: z.number().check(z.int(), z.nonnegative()),
});
export type FirstPage = z.infer<typeof FirstPage>;

export const PopupSnapshot = z.object({
  v: z.literal(1),
  account: z.object({ server: z.string(), username: z.string() }),
  /** The 'all' list, unsearched, in each order the popup offers. */
  lists: z.record(z.enum(LIST_SORTS), FirstPage),
  /** New direct shares, newest first (as the worker's `inbox` answer). */
  inbox: FirstPage,
});
export type PopupSnapshot = z.infer<typeof PopupSnapshot>;

/** Only the fields a list draws: the record stays small and holds nothing the popup does not show. */
export function shownRow(row: ShownRow): ShownRow {
  const { id, name, owner, public: isPublic, curated, sharedWithOthers, pending, pendingName } = row;
  return { id, name, owner, public: isPublic, curated, sharedWithOthers, ...(pending ? { pending } : {}), ...(pendingName ? { pendingName } : {}) };
}
