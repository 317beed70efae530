/**
 * Why an archive is refused. Every refusal is the code ARCHIVE_INVALID with one of these
 * reasons: scripts match on the reason, so they are stable like error codes.
 */
export const ArchiveReason = {
  notAZip: 'not-a-zip',
  pathUnsafe: 'path-unsafe',
  duplicateEntry: 'duplicate-entry',
  unknownEntry: 'unknown-entry',
  missingEntry: 'missing-entry',
  overlappingEntries: 'overlapping-entries',
  unsupportedCompression: 'unsupported-compression',
  sizeExceeded: 'size-exceeded',
  hashMismatch: 'hash-mismatch',
  manifestInvalid: 'manifest-invalid',
  gatingMlInvalid: 'gating-ml-invalid',
  unknownChannel: 'unknown-channel',
  tagsInvalid: 'tags-invalid',
  figuresInvalid: 'figures-invalid',
  fcsInvalid: 'fcs-invalid',
  tooLarge: 'too-large',
} as const;
export type ArchiveReason = (typeof ArchiveReason)[keyof typeof ArchiveReason];

export class ArchiveError extends Error {
  constructor(
    readonly reason: ArchiveReason,
    message: string,
  ) {
    super(message);
    this.name = 'ArchiveError';
  }
}

export function refuse(reason: ArchiveReason, message: string): never {
  throw new ArchiveError(reason, message);
}
