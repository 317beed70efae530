import { ShareMessage } from '../../shared/schemas/intents.ts';
import { check, flag, has, UsageError } from './args.ts';
import type { Ctx } from './context.ts';

/** The flags every form of `share` takes: whether to mail, the sharer's note, connect-then-share. */
export const SHARE_FLAGS = ['no-notify', 'message', 'connect'] as const;

export type ShareOptions = { notify: boolean; message?: string; connect: boolean };

export function shareOptions(ctx: Ctx): ShareOptions {
  const notify = !has(ctx.args, 'no-notify');
  const text = flag(ctx.args, 'message');
  if (text !== undefined && !notify) throw new UsageError('--message goes into the share mail: it cannot go with --no-notify');
  const message = text === undefined ? undefined : check(ShareMessage, text, 'message');
  return { notify, ...(message ? { message } : {}), connect: has(ctx.args, 'connect') };
}
