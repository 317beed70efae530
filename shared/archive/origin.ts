import type { Manifest } from './manifest.ts';

/**
 * Experiments have no field for where they came from, so an import records it at the end of
 * the purpose, where every reader sees it: source server, original id, export date and app
 * version. The original purpose comes first, shortened if both would not fit.
 */
export const PURPOSE_MAX = 5000;

export function originNote(manifest: Manifest): string {
  const { source, exportedAt, appVersion } = manifest;
  return `Imported from ${source.server} (experiment ${source.experimentId}, exported by ${source.exportedBy} on ${exportedAt}, Cytoshare ${appVersion}).`;
}

export function purposeWithOrigin(manifest: Manifest): string {
  const note = originNote(manifest);
  const original = manifest.experiment.purpose.trim();
  if (original === '') return note;
  const room = PURPOSE_MAX - note.length - 2;
  return `${original.length > room ? `${original.slice(0, Math.max(0, room - 1))}…` : original}\n\n${note}`;
}
