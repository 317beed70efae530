import { z } from 'zod';
import { ErrorCode } from '../../shared/codes.ts';
import { GrantRole } from '../../shared/schemas/entities.ts';
import { ShareMessage } from '../../shared/schemas/intents.ts';
import { expiryOf } from '../../shared/schemas/review-links.ts';
import { RuleRefusal } from '../core/contract.ts';
import { check, flag, has, UsageError } from './args.ts';
import type { Ctx } from './context.ts';

/** The flags every form of `share` takes: whether to mail, the sharer's note, connect-then-share, the role, the end. */
export const SHARE_FLAGS = ['no-notify', 'message', 'connect', 'role', 'until'] as const;

export type ShareOptions = { notify: boolean; message?: string; connect: boolean; role?: GrantRole; until?: number };

/** `--role full|viewer`; another role is refused UNKNOWN_ROLE, as a bulk row with that role is. */
export function roleOption(ctx: Ctx): GrantRole | undefined {
  const raw = flag(ctx.args, 'role');
  if (raw === undefined) return undefined;
  const role = GrantRole.safeParse(raw.toLowerCase());
  if (!role.success) throw new RuleRefusal(ErrorCode.UNKNOWN_ROLE, `no role "${raw}": full or viewer`, ['role']);
  return role.data;
}

const IsoDate = z.iso.datetime({ offset: true }).or(z.iso.date());

/**
 * `--until` / `--at`: an ISO 8601 date (the end of that day, UTC) or date and time, as ms since
 * the epoch. Whether it is in the future and near enough is the rules' call (SHARE_EXPIRY).
 */
export function dateFlag(ctx: Ctx, name: string): number | undefined {
  const text = flag(ctx.args, name);
  if (text === undefined) return undefined;
  if (!IsoDate.safeParse(text).success) throw new UsageError(`--${name} takes an ISO 8601 date (2027-01-31, the end of that day UTC) or date and time (2027-01-31T12:00:00Z)`);
  return expiryOf(text);
}

export function shareOptions(ctx: Ctx): ShareOptions {
  const notify = !has(ctx.args, 'no-notify');
  const text = flag(ctx.args, 'message');
  if (text !== undefined && !notify) throw new UsageError('--message goes into the share mail: it cannot go with --no-notify');
  const message = text === undefined ? undefined : check(ShareMessage, text, 'message');
  const role = roleOption(ctx);
  const until = dateFlag(ctx, 'until');
  return { notify, ...(message ? { message } : {}), connect: has(ctx.args, 'connect'), ...(role ? { role } : {}), ...(until !== undefined ? { until } : {}) };
}
