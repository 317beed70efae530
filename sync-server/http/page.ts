import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { escapeHtml as escape } from '../mail/templates.ts';

const STYLE = 'body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;line-height:1.5}code{background:#f2f2f2;padding:0 .2em}';

/**
 * Pages opened from mail (or a reviewer link) carry tokens in their URL and names chosen by
 * other users: no script at all, the one style by its hash, forms only back to this server, no
 * framing, no referrer (a link followed from the page must not carry the token away), never
 * cached.
 */
export function pageHeaders(style: string, imgSrc?: 'data:'): Record<string, string> {
  const images = imgSrc ? `; img-src ${imgSrc}` : '';
  return {
    'content-security-policy': `default-src 'none'; style-src 'sha256-${createHash('sha256').update(style).digest('base64')}'${images}; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'cache-control': 'no-store',
  };
}
const SECURITY_HEADERS = pageHeaders(STYLE);

/** Sends `body` (HTML the caller built, every user value escaped) as a page under `title`. */
export function sendHtml(res: ServerResponse, status: number, title: string, body: string): void {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)} · Cytoshare</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}</style></head>
<body><h1>${escape(title)}</h1>${body}</body></html>`;
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html) });
  res.end(html);
}

/**
 * A minimal HTML page for people who follow a link from a mail; with `form`, a button that
 * posts the link's token back to confirm.
 */
export function sendPage(res: ServerResponse, status: number, title: string, message: string, form?: { action: string; token: string; label: string }): void {
  const button = form
    ? `<form method="post" action="${escape(form.action)}"><input type="hidden" name="token" value="${escape(form.token)}">
<button type="submit">${escape(form.label)}</button></form>`
    : '';
  sendHtml(res, status, title, `<p>${escape(message)}</p>${button}`);
}
