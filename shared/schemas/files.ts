import { z } from 'zod';
import { singleLine } from './entities.ts';

/** What an upload answers: the new file's id and what the parser read from it. */
export const UploadResult = z.strictObject({
  fileId: z.string(),
  name: z.string(),
  sha256: z.string(),
  events: z.number().int().nonnegative(),
  channels: z.array(z.strictObject({ name: z.string(), label: z.string().nullable() })),
});
export type UploadResult = z.infer<typeof UploadResult>;

export const FileName = singleLine('a file name').trim().min(1).max(255).regex(/^[^/\\\0]+$/, 'a file name, without folders');

export const UploadTicket = z.strictObject({ ticket: z.string().min(32), expiresAt: z.number() });
export type UploadTicket = z.infer<typeof UploadTicket>;
