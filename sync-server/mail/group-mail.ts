import { escapeHtml, experimentUrl, oneLine, page, who, type MailContent } from './templates.ts';

/** Experiments a group digest names; the rest are counted ("and N more"), so a large group cannot make a huge mail. */
export const DIGEST_NAMES = 20;

/**
 * The one mail to someone added to a group: the group, and the experiments already shared with
 * it that are now open to them (members present at share time got a share mail for each share).
 * `experiments` are the named ones (at most DIGEST_NAMES, the caller picks them), `more` counts
 * the others. Every user-given value is escaped in `html` and flattened in `subject`.
 */
export function groupJoined(notice: {
  publicUrl: string;
  owner: { username: string; email?: string };
  group: string;
  experiments: Array<{ id: string; name: string; url?: string }>;
  more: number;
}): MailContent {
  const owner = oneLine(notice.owner.username, 40);
  const group = oneLine(notice.group, 60);
  const items = notice.experiments.map((e) => ({ name: oneLine(e.name.trim() || 'Untitled experiment', 200), url: e.url ?? experimentUrl(notice.publicUrl, e.id) }));
  const total = items.length + notice.more;
  const subject = `${owner} added you to the group “${group}”: ${total} experiment${total === 1 ? '' : 's'} shared with you`;
  const intro = `${who(notice.owner)} added you to the group “${group}” on Cytoshare. ${total === 1 ? 'One experiment shared with the group is' : `${total} experiments shared with the group are`} now open to you:`;
  const more = notice.more > 0 ? `…and ${notice.more} more.` : null;
  const outro = 'They are in your Inbox in the Cytoshare extension. To change your mail preferences, open Settings from the Cytoshare button in your browser toolbar.';
  const text = [intro, '', ...items.map((i) => `- ${i.name}\n  ${i.url}`), ...(more ? [more] : []), '', outro, ''].join('\n');
  const html = page([
    `<p>${escapeHtml(intro)}</p>`,
    `<ul>${items.map((i) => `<li><a href="${escapeHtml(i.url)}">${escapeHtml(i.name)}</a></li>`).join('')}</ul>`,
    ...(more ? [`<p>${escapeHtml(more)}</p>`] : []),
    `<p>${escapeHtml(outro)}</p>`,
  ]);
  return { subject, text, html };
}
