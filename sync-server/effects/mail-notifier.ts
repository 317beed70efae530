import type { MailQueue } from '../mail/mail-queue.ts';
import type { ShareLinks } from '../auth/share-links.ts';
import { DIGEST_NAMES, groupJoined } from '../mail/group-mail.ts';
import { accessEnding, connectionRequest, shareLinkUrl, shareNotification } from '../mail/templates.ts';
import type { Notifier } from './notifier.ts';

/**
 * Notifications as mail, queued durably before the action that caused them is answered. A share
 * mail links each experiment to its landing page through a sealed link for that recipient.
 */
export function mailNotifier(queue: MailQueue, publicUrl: () => string, emailOf: (username: string) => Promise<string | null>, links: ShareLinks): Notifier {
  return {
    async shared({ by, to, experiments, message }) {
      if (!to.email) return; // no proved address: nothing is mailed to this account
      const sharerEmail = await emailOf(by);
      const withLinks = experiments.map((e) => ({ ...e, url: shareLinkUrl(publicUrl(), links.mint({ experimentId: e.id, recipient: to.username, sharer: by })) }));
      const mail = shareNotification({ publicUrl: publicUrl(), sharer: { username: by, ...(sharerEmail ? { email: sharerEmail } : {}) }, experiments: withLinks, ...(message ? { message } : {}) });
      await queue.send({ to: to.email, ...mail });
    },
    async joinedGroup({ by, to, group, experiments }) {
      if (!to.email || experiments.length === 0) return;
      const ownerEmail = await emailOf(by);
      const named = [...experiments].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id)).slice(0, DIGEST_NAMES);
      const withLinks = named.map((e) => ({ id: e.id, name: e.name, url: shareLinkUrl(publicUrl(), links.mint({ experimentId: e.id, recipient: to.username, sharer: e.sharer })) }));
      const mail = groupJoined({ publicUrl: publicUrl(), owner: { username: by, ...(ownerEmail ? { email: ownerEmail } : {}) }, group, experiments: withLinks, more: experiments.length - named.length });
      await queue.send({ to: to.email, ...mail });
    },
    async connectionRequest({ from, toEmail, acceptUrl, rejectUrl }) {
      await queue.send({ to: toEmail, ...connectionRequest({ fromUser: from.username, fromEmail: from.email, acceptUrl, rejectUrl }) });
    },
    async accessEnding({ to, sharer, experiment, until }) {
      if (!to.email) return;
      await queue.send({ to: to.email, ...accessEnding({ publicUrl: publicUrl(), experiment, sharer, until }) });
    },
  };
}
