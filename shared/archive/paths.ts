import { ArchiveReason, refuse } from './errors.ts';

/**
 * Entry names an archive may hold: relative, forward slashes only, no `.` or `..` segment, no
 * drive letter or colon, no control characters. Checked on every name in the zip's directory
 * and in the manifest, so no entry can name a place outside the folder it is read into, on
 * any system (a backslash is a separator on Windows, `C:x` is a drive there).
 */
const MAX_PATH = 512;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export function unsafePathReason(path: string): string | null {
  if (path.length === 0) return 'is empty';
  if (path.length > MAX_PATH) return `is longer than ${MAX_PATH} characters`;
  if (CONTROL.test(path)) return 'holds a control character';
  if (path.includes('\\')) return 'holds a backslash';
  if (path.startsWith('/')) return 'is absolute';
  if (path.includes(':')) return 'holds a colon (a drive letter or stream name)';
  for (const segment of path.split('/')) {
    if (segment === '') return 'has an empty segment';
    if (segment === '.' || segment === '..') return `has a "${segment}" segment`;
  }
  return null;
}

export function isSafeArchivePath(path: string): boolean {
  return unsafePathReason(path) === null;
}

export function checkArchivePath(path: string): void {
  const why = unsafePathReason(path);
  if (why !== null) refuse(ArchiveReason.pathUnsafe, `entry ${JSON.stringify(path.slice(0, 200))} ${why}`);
}

/**
 * Where an FCS file goes in the archive: its own name when that is a safe path no other entry
 * has (compared case-folded, as importers compare them), else the first free numbered one
 * (the manifest keeps the real name either way). `taken` holds case-folded paths.
 */
export function fcsEntryPath(name: string, taken: ReadonlySet<string>): string {
  const own = `files/${name}`;
  if (isSafeArchivePath(own) && !taken.has(foldPath(own))) return own;
  for (let n = 1; ; n++) if (!taken.has(foldPath(`files/file-${n}.fcs`))) return `files/file-${n}.fcs`;
}

/** Two entry names that are one file on a case-insensitive disk fold to the same key. */
export function foldPath(path: string): string {
  return path.normalize('NFC').toLowerCase();
}
