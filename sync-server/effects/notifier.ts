import type { UserRecord } from '../store/store.ts';

/** What the server tells people by mail. The mail queue implements it; tests may collect. */
export type Notifier = {
  /** `message`: the sharer's own words (bounded plain text, see ShareMessage), quoted in the mail. */
  shared(input: { by: string; to: UserRecord; experiments: Array<{ id: string; name: string }>; message?: string | null }): Promise<void>;
  connectionRequest(input: { from: UserRecord; toEmail: string; acceptUrl: string; rejectUrl: string }): Promise<void>;
  /**
   * `by` (the group's owner) added `to` to the group `group`: one digest of the experiments
   * already shared with it that are now open to them (`sharer`: who shared each with the group),
   * at most DIGEST_NAMES named, the rest counted.
   */
  joinedGroup(input: { by: string; to: UserRecord; group: string; experiments: Array<{ id: string; name: string; sharer: string }> }): Promise<void>;
  /** A direct share of `experiment` with `to` ends at `until` (a few days from now). */
  accessEnding(input: { to: UserRecord; sharer: string; experiment: { id: string; name: string }; until: number }): Promise<void>;
};

export const silentNotifier: Notifier = {
  shared: async () => undefined,
  connectionRequest: async () => undefined,
  joinedGroup: async () => undefined,
  accessEnding: async () => undefined,
};
