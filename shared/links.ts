/**
 * Where an experiment's link points on a server: the page the share mail links to (and the
 * Sharing dialog's "Copy link"), so a link pasted anywhere lands on the same page the mail does.
 */
export function experimentUrl(publicUrl: string, id: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/experiments/${encodeURIComponent(id)}`;
}
