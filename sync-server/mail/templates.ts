import { experimentUrl } from '../../shared/links.ts';

/**
 * The notification emails, as pure functions from what happened to `{ subject, text, html }`.
 * Invariants: every value that came from a user (names, emails, experiment names, ids) is
 * HTML-escaped in `html`, and newlines are flattened in `subject` so a name cannot fold a header.
 * Every link appears in both `text` and `html`, so plain-text readers can act on the mail too.
 */
export type MailContent = { subject: string; text: string; html: string };

export type ShareNotice = {
  /** The server's public base URL, e.g. `https://cytoshare.example.org` (a trailing slash is fine). */
  publicUrl: string;
  /** The user who shared: username, and email when known. */
  sharer: { username: string; email?: string };
  /** `url`, when given, is the experiment's link (a share link's landing page); else its plain address. */
  experiments: { id: string; name: string; url?: string }[];
  /** The sharer's note (ShareMessage: bounded plain text); quoted as theirs, never in a header. */
  message?: string;
};

export type ConnectionRequestNotice = {
  fromUser: string;
  fromEmail: string;
  /** Full one-time URLs; the caller mints the tokens. */
  acceptUrl: string;
  rejectUrl: string;
};

const htmlEscapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => htmlEscapes[c] ?? c);
}

/** One line, no control characters, bounded: safe to put in a subject. */
export function oneLine(value: string, max = 80): string {
  const flat = value.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export { experimentUrl };

/**
 * A sharer's words may hold addresses; shown as they are, a mail client would make them live
 * links, possibly made to look like ours. Defanged (`https[:]//lab[.]org`), they stay readable
 * and nothing turns them into a link.
 */
export function defang(text: string): string {
  return text.replace(/:\/\//g, '[:]//').replace(/([A-Za-z0-9-])\.(?=[A-Za-z0-9-])/g, '$1[.]');
}

/** The landing page of a share mail's sealed link (sync-server/http/share-landing.ts). */
export function shareLinkUrl(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/shared?token=${encodeURIComponent(token)}`;
}

export function who(user: { username: string; email?: string }): string {
  return user.email ? `${user.username} (${user.email})` : user.username;
}

export function page(paragraphs: string[]): string {
  return `<!doctype html><html><body style="font-family: sans-serif; line-height: 1.5">${paragraphs.join('')}</body></html>`;
}

const link = (url: string, label: string) => `<a href="${escapeHtml(url)}">${escapeHtml(label)}</a>`;

export function shareNotification(notice: ShareNotice): MailContent {
  const { sharer, experiments } = notice;
  const items = experiments.map((e) => ({ name: e.name.trim() || 'Untitled experiment', url: e.url ?? experimentUrl(notice.publicUrl, e.id) }));
  const first = items[0];
  const subject =
    items.length === 1 && first
      ? `${oneLine(sharer.username, 40)} shared “${oneLine(first.name)}” with you`
      : `${oneLine(sharer.username, 40)} shared ${items.length} experiments with you`;
  const what = items.length === 1 ? 'an experiment' : `${items.length} experiments`;
  const intro = `${who(sharer)} shared ${what} with you on Cytoshare.`;
  const outro = 'It is now in your Inbox in the Cytoshare extension. To change your mail preferences, open Settings from the Cytoshare button in your browser toolbar.';
  const said = notice.message ? defang(notice.message) : null;
  const saidIntro = `${oneLine(sharer.username, 40)} wrote (their own words, not checked by Cytoshare):`;
  const quoted = said ? [saidIntro, ...said.split('\n').map((line) => `> ${line}`), ''] : [];
  const text = [intro, '', ...quoted, ...items.map((i) => `- ${i.name}\n  ${i.url}`), '', outro, ''].join('\n');
  const html = page([
    `<p>${escapeHtml(intro)}</p>`,
    ...(said
      ? [`<p>${escapeHtml(saidIntro)}</p><blockquote style="white-space: pre-wrap; border-left: 3px solid #ccc; margin: 0 0 1em; padding-left: 1em">${escapeHtml(said)}</blockquote>`]
      : []),
    `<ul>${items.map((i) => `<li>${link(i.url, i.name)}</li>`).join('')}</ul>`,
    `<p>${escapeHtml(outro)}</p>`,
  ]);
  return { subject, text, html };
}

export function connectionRequest(notice: ConnectionRequestNotice): MailContent {
  const from = who({ username: notice.fromUser, email: notice.fromEmail });
  const subject = `${oneLine(notice.fromUser, 40)} would like to connect with you on Cytoshare`;
  const intro = `${from} would like to connect with you on Cytoshare, so that you can share experiments with each other.`;
  const outro = "You can also answer in the Cytoshare popup. If you don't know this person, reject the request or simply ignore this email.";
  const text = [intro, '', `Accept: ${notice.acceptUrl}`, `Reject: ${notice.rejectUrl}`, '', outro, ''].join('\n');
  const html = page([
    `<p>${escapeHtml(intro)}</p>`,
    `<p>${link(notice.acceptUrl, 'Accept')} &nbsp;·&nbsp; ${link(notice.rejectUrl, 'Reject')}</p>`,
    `<p>${escapeHtml(outro)}</p>`,
  ]);
  return { subject, text, html };
}

export type VerificationNotice = {
  username: string;
  email: string;
  /** The one-time code, as the user types it. */
  code: string;
  /** The link to the confirm page; absent when the sender does not know the server's public URL (an admin command). */
  confirmUrl?: string;
  /** Whether the account already has an address in force (a change) or none yet (a new account). */
  change: boolean;
};

/** The code (and link) that proves an address belongs to an account. */
export function verificationCode(notice: VerificationNotice): MailContent {
  const subject = notice.change ? "Confirm your new Cytoshare address" : "Confirm your Cytoshare address";
  const what = notice.change
    ? `The Cytoshare account ${notice.username} asked to use ${notice.email} as its address.`
    : `The Cytoshare account ${notice.username} was created with ${notice.email} as its address.`;
  const how = `To confirm that this address is yours, enter the code ${notice.code} in the Cytoshare popup or run: cytoshare verify ${notice.code}`;
  const viaLink = notice.confirmUrl ? `Or open this link and press Confirm: ${notice.confirmUrl}` : null;
  const outro = `The code works once and for 24 hours. If you did not ask for this, ignore this email: nothing sent to ${notice.email} will reach that account.`;
  const text = [what, '', how, ...(viaLink ? ['', viaLink] : []), '', outro, ''].join('\n');
  const html = page([
    `<p>${escapeHtml(what)}</p>`,
    `<p>${escapeHtml('To confirm that this address is yours, enter this code in the Cytoshare popup or run')} <code>cytoshare verify ${escapeHtml(notice.code)}</code>:</p>`,
    `<p style="font-size: 1.5em; letter-spacing: 0.1em"><strong>${escapeHtml(notice.code)}</strong></p>`,
    ...(notice.confirmUrl ? [`<p>${link(notice.confirmUrl, 'Confirm this address')}</p>`] : []),
    `<p>${escapeHtml(outro)}</p>`,
  ]);
  return { subject, text, html };
}

/**
 * Someone asked to use an address that is already an account's: its owner is told instead of
 * the asker, who gets the same answer as for a free address (so sign-up does not reveal which
 * addresses have accounts). No code: the asker can never prove it.
 */
export function addressInUse(notice: { email: string; username: string; asker: string }): MailContent {
  const subject = 'Someone tried to use your address on Cytoshare';
  const intro = `Someone asked to use ${notice.email} for the Cytoshare account ${notice.asker}. This address already belongs to your account ${notice.username}, so nothing changed.`;
  const outro = 'If that was you: sign in as ' + notice.username + ' instead. Otherwise you can ignore this email.';
  const text = [intro, '', outro, ''].join('\n');
  return { subject, text, html: page([`<p>${escapeHtml(intro)}</p>`, `<p>${escapeHtml(outro)}</p>`]) };
}

/** Sent to the old address once a new one is proved, so a taken-over account does not go unnoticed. */
export function addressChanged(notice: { username: string; oldEmail: string; newEmail: string }): MailContent {
  const subject = 'Your Cytoshare address was changed';
  const intro = `The address of the Cytoshare account ${notice.username} was changed from ${notice.oldEmail} to ${notice.newEmail}. Mail for this account now goes there.`;
  const outro = 'If you did not do this, tell your Cytoshare administrator at once.';
  const text = [intro, '', outro, ''].join('\n');
  return { subject, text, html: page([`<p>${escapeHtml(intro)}</p>`, `<p>${escapeHtml(outro)}</p>`]) };
}

/** The warning a few days before a direct share ends (see effects/expiry-timer.ts). */
export function accessEnding(notice: { publicUrl: string; experiment: { id: string; name: string }; sharer: string; until: number }): MailContent {
  const name = notice.experiment.name.trim() || 'Untitled experiment';
  const day = new Date(notice.until).toISOString().replace('T', ' ').slice(0, 16);
  const url = experimentUrl(notice.publicUrl, notice.experiment.id);
  const subject = `Your access to “${oneLine(name)}” ends on ${day.slice(0, 10)}`;
  const intro = `${oneLine(notice.sharer, 40)} shared “${oneLine(name)}” with you until ${day} UTC. After that it leaves your Cytoshare lists.`;
  const outro = 'To keep access, ask them to share it again without an end date, or with a later one.';
  const text = [intro, '', url, '', outro, ''].join('\n');
  const html = page([`<p>${escapeHtml(intro)}</p>`, `<p>${link(url, name)}</p>`, `<p>${escapeHtml(outro)}</p>`]);
  return { subject, text, html };
}
