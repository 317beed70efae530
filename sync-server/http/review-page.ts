import type { ServerResponse } from 'node:http';
import type { ExperimentContent, FileRecord } from '../../shared/doc-layout.ts';
import { escapeHtml as esc } from '../mail/templates.ts';
import { pageHeaders } from './page.ts';
import type { ReviewImage } from './review-images.ts';

export type ReviewView = {
  content: ExperimentContent;
  files: Array<{ id: string } & FileRecord>;
  /** Figures and gates, drawn (SVG). */
  images: ReviewImage[];
  download: boolean;
  expiresAt: number | null;
  /** `/review/<id>/<secret>`, for the download links. */
  base: string;
};

const STYLE = `body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}th,td{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}
th{background:#f3f3f3}.note{color:#555}img{max-width:100%;height:auto;border:1px solid #ddd}figure{margin:0 0 1.5rem}`;

function html(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)} · Cytoshare review</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}</style></head><body>${body}</body></html>`;
}

/** The page holds its own secret in links: besides the mail pages' headers, no indexing. */
const headers = { ...pageHeaders(STYLE, 'data:'), 'content-type': 'text/html; charset=utf-8', 'x-robots-tag': 'noindex, nofollow' };

function send(res: ServerResponse, status: number, page: string): void {
  res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(page) });
  res.end(page);
}

/** 429 with Retry-After, as a page: a reviewer reads it in a browser. */
export function sendReviewBusy(res: ServerResponse, retryAfterMs: number): void {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  res.setHeader('retry-after', String(seconds));
  send(res, 429, html('Opened too often', `<h1>This page was opened too often just now</h1><p>Each view draws its plots afresh. Please try again in ${seconds} seconds.</p>`));
}

/** Every way a link does not open looks the same, so the page tells a guesser nothing. */
export function sendReviewGone(res: ServerResponse): void {
  send(res, 404, html('Link not available', '<h1>This link is not available</h1><p>It may have been revoked or have ended. Ask the person who sent it for a new one.</p>'));
}

const number = (n: number) => n.toLocaleString('en');
const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(4));

function shapeOf(gate: ExperimentContent['gates'][number]): string {
  if ('rect' in gate) {
    const [x1, y1, x2, y2] = gate.rect;
    return `rectangle ${fmt(x1)}–${fmt(x2)} × ${fmt(y1)}–${fmt(y2)}`;
  }
  return `polygon of ${gate.polygon.length} vertices`;
}

function filesTable(v: ReviewView): string {
  if (v.files.length === 0) return '<p class="note">No FCS files.</p>';
  const rows = v.files.map((f) => {
    const link = v.download ? `<td><a href="${esc(`${v.base}/files/${encodeURIComponent(f.id)}`)}" download>Download</a></td>` : '';
    return `<tr><td>${esc(f.name)}</td><td>${number(f.events)}</td><td>${esc(f.channels.map((c) => c.name).join(', '))}</td>${link}</tr>`;
  });
  return `<table><thead><tr><th>File</th><th>Events</th><th>Channels</th>${v.download ? '<th></th>' : ''}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function tagsTable(v: ReviewView): string {
  const tags = v.content.tags;
  if (tags.length === 0) return '<p class="note">No sample tags.</p>';
  const dimensions = [...new Set(tags.map((t) => t.dimension))].sort();
  const files = [...new Set(tags.map((t) => t.file))].sort();
  const cell = new Map(tags.map((t) => [`${t.file}\u0000${t.dimension}`, t.value]));
  const head = `<tr><th>File</th>${dimensions.map((d) => `<th>${esc(d)}</th>`).join('')}</tr>`;
  const rows = files.map((f) => `<tr><td>${esc(f)}</td>${dimensions.map((d) => `<td>${esc(cell.get(`${f}\u0000${d}`) ?? '')}</td>`).join('')}</tr>`);
  return `<table><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>`;
}

function gatesTable(v: ReviewView): string {
  const gates = v.content.gates;
  if (gates.length === 0) return '<p class="note">No gates.</p>';
  const rows = gates.map((g) => `<tr><td>${esc(g.name)}</td><td>${esc(g.xChannel)} × ${esc(g.yChannel)}</td><td>${esc(shapeOf(g))}</td></tr>`);
  return `<table><thead><tr><th>Gate</th><th>Channels</th><th>Shape</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** As images, not inline SVG: an image runs no script, whatever text a user put in a name. */
function picturesOf(v: ReviewView): string {
  if (v.images.length === 0) return '';
  const figures = v.images.map((i) => `<figure><img alt="${esc(i.title)}" src="data:image/svg+xml;base64,${Buffer.from(i.svg).toString('base64')}"><figcaption>${esc(i.title)}</figcaption></figure>`);
  return `<h2>Figures and gates</h2>${figures.join('')}`;
}

export function sendReviewPage(res: ServerResponse, v: ReviewView): void {
  const name = v.content.name.trim() || 'Untitled experiment';
  const ends = v.expiresAt === null ? '' : ` This link ends on ${new Date(v.expiresAt).toISOString().slice(0, 10)}.`;
  const body = `<h1>${esc(name)}</h1>
<p class="note">Shared with you for review, read-only.${ends}${v.download ? '' : ' Files are not offered for download.'}</p>
${v.content.purpose.trim() ? `<p>${esc(v.content.purpose)}</p>` : ''}
<h2>FCS files</h2>${filesTable(v)}
<h2>Sample tags</h2>${tagsTable(v)}
<h2>Gates</h2>${gatesTable(v)}
${picturesOf(v)}`;
  send(res, 200, html(name, body));
}
