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
  experiments: { id: string; name: string }[];
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
function oneLine(value: string, max = 80): string {
  const flat = value.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function experimentUrl(publicUrl: string, id: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/experiments/${encodeURIComponent(id)}`;
}

function who(user: { username: string; email?: string }): string {
  return user.email ? `${user.username} (${user.email})` : user.username;
}

function page(paragraphs: string[]): string {
  return `<!doctype html><html><body style="font-family: sans-serif; line-height: 1.5">${paragraphs.join('')}</body></html>`;
}

const link = (url: string, label: string) => `<a href="${escapeHtml(url)}">${escapeHtml(label)}</a>`;

export function shareNotification(notice: ShareNotice): MailContent {
  const { sharer, experiments } = notice;
  const items = experiments.map((e) => ({ name: e.name.trim() || 'Untitled experiment', url: experimentUrl(notice.publicUrl, e.id) }));
  const first = items[0];
  const subject =
    items.length === 1 && first
      ? `${oneLine(sharer.username, 40)} shared “${oneLine(first.name)}” with you`
      : `${oneLine(sharer.username, 40)} shared ${items.length} experiments with you`;
  const what = items.length === 1 ? 'an experiment' : `${items.length} experiments`;
  const intro = `${who(sharer)} shared ${what} with you on Cytoshare.`;
  const outro = 'It is now in your Inbox in the Experiment Manager. You can turn these emails off in your Cytoshare settings.';
  const text = [intro, '', ...items.map((i) => `- ${i.name}\n  ${i.url}`), '', outro, ''].join('\n');
  const html = page([
    `<p>${escapeHtml(intro)}</p>`,
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
