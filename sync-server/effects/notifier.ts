import type { UserRecord } from '../store/store.ts';

/** What the server tells people by mail. The mail queue implements it; tests may collect. */
export type Notifier = {
  /** `message`: the sharer's own words (bounded plain text, see ShareMessage), quoted in the mail. */
  shared(input: { by: string; to: UserRecord; experiments: Array<{ id: string; name: string }>; message?: string | null }): Promise<void>;
  connectionRequest(input: { from: UserRecord; toEmail: string; acceptUrl: string; rejectUrl: string }): Promise<void>;
  /** A direct share of `experiment` with `to` ends at `until` (a few days from now). */
  accessEnding(input: { to: UserRecord; sharer: string; experiment: { id: string; name: string }; until: number }): Promise<void>;
};

export const silentNotifier: Notifier = {
  shared: async () => undefined,
  connectionRequest: async () => undefined,
  accessEnding: async () => undefined,
};
