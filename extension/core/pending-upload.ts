import { z } from 'zod';
import { FileName } from '../../shared/schemas/files.ts';

/** An FCS file kept in this browser until the server takes it (see upload-queue.ts), as the pages and the database see it. */
export const PendingUploadState = z.enum(['waiting', 'sending', 'refused']);
export type PendingUploadState = z.infer<typeof PendingUploadState>;

export const PendingUpload = z.strictObject({
  id: z.string().min(1).max(64),
  experimentId: z.string().min(1).max(64),
  name: FileName,
  size: z.number().int().nonnegative(),
  createdAt: z.number(),
  state: PendingUploadState,
  code: z.string().optional(),
  /** The refusal in words (an FCS refusal names the segment and offsets). */
  words: z.string().max(2000).optional(),
});
export type PendingUpload = z.infer<typeof PendingUpload>;

export const PendingUploadRecord = z.strictObject({ ...PendingUpload.shape, blob: z.instanceof(Blob) });
export type PendingUploadRecord = z.infer<typeof PendingUploadRecord>;
