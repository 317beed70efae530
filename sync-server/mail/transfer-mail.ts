import { escapeHtml, oneLine, page, type MailContent } from './templates.ts';

/**
 * The mail to the receiver of an offer of ownership. It holds no link that acts: answering needs
 * the receiver signed in (the Inbox, or the CLI), so a mail scanner opening links decides nothing.
 */
export function transferOffer(notice: { giver: string; transferId: string; experiments: Array<{ name: string }>; leave: boolean }): MailContent {
  const names = notice.experiments.map((e) => e.name.trim() || 'Untitled experiment');
  const first = names[0] ?? 'an experiment';
  const more = names.length > 1 ? ` and ${names.length - 1} linked experiment${names.length > 2 ? 's' : ''}` : '';
  const giver = oneLine(notice.giver, 40);
  const subject = `${giver} offers you ownership of “${oneLine(first)}”${more}`;
  const intro = `${giver} would like to make you the owner of:`;
  const after = notice.leave
    ? `If you accept, you own it and ${giver} no longer has access.`
    : `If you accept, you own it (you can share, transfer or delete it) and ${giver} keeps full access.`;
  const how = [
    'Until you answer you have no access to it. To answer, open the Inbox of the Cytoshare popup or Experiment Manager, or run:',
    `  cytoshare accept-transfer ${notice.transferId}`,
    `  cytoshare decline-transfer ${notice.transferId}`,
  ];
  const text = [intro, '', ...names.map((n) => `  - ${oneLine(n, 200)}`), '', after, '', ...how, ''].join('\n');
  const html = page([
    `<p>${escapeHtml(intro)}</p>`,
    `<ul>${names.map((n) => `<li>${escapeHtml(oneLine(n, 200))}</li>`).join('')}</ul>`,
    `<p>${escapeHtml(after)}</p>`,
    `<p>${escapeHtml(how[0] as string)}</p>`,
    `<pre>${escapeHtml(how.slice(1).join('\n'))}</pre>`,
  ]);
  return { subject, text, html };
}
