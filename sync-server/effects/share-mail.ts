import type { Store } from '../store/store.ts';
import type { Notifier } from './notifier.ts';

/** Whether a share mails the people it gives access to, and the sharer's words for the mail. */
export type ShareMail = { notify: boolean; message: string | null };

/**
 * One share mail to each person who gained access, naming everything they gained by this one
 * decision (a direct share and a group share alike), unless the sharer chose not to notify or
 * the person turned share mail off.
 */
export async function mailNewAccess(deps: { store: Store; notifier: Notifier }, by: string, gained: ReadonlyMap<string, ReadonlyArray<{ id: string; name: string }>>, mail: ShareMail): Promise<void> {
  if (!mail.notify) return;
  for (const [user, experiments] of gained) {
    const to = await deps.store.findUser(user);
    if (!to || !(await deps.store.shareEmailsEnabled(to.username))) continue;
    await deps.notifier.shared({ by, to, experiments: experiments.map(({ id, name }) => ({ id, name })), message: mail.message });
  }
}
