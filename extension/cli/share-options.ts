import { ErrorCode } from '../../shared/codes.ts';
import { GrantRole } from '../../shared/schemas/entities.ts';
import { ShareMessage } from '../../shared/schemas/intents.ts';
import { RuleRefusal } from '../core/contract.ts';
import { check, flag, has, UsageError } from './args.ts';
import type { Ctx } from './context.ts';

/** The flags every form of `share` takes: whether to mail, the sharer's note, connect-then-share, the role. */
export const SHARE_FLAGS = ['no-notify', 'message', 'connect', 'role'] as const;

export type ShareOptions = { notify: boolean; message?: string; connect: boolean; role?: GrantRole };

/** `--role full|viewer`; another role is refused UNKNOWN_ROLE, as a bulk row with that role is. */
export function roleOption(ctx: Ctx): GrantRole | undefined {
  const raw = flag(ctx.args, 'role');
  if (raw === undefined) return undefined;
  const role = GrantRole.safeParse(raw.toLowerCase());
  if (!role.success) throw new RuleRefusal(ErrorCode.UNKNOWN_ROLE, `no role "${raw}": full or viewer`, ['role']);
  return role.data;
}

export function shareOptions(ctx: Ctx): ShareOptions {
  const notify = !has(ctx.args, 'no-notify');
  const text = flag(ctx.args, 'message');
  if (text !== undefined && !notify) throw new UsageError('--message goes into the share mail: it cannot go with --no-notify');
  const message = text === undefined ? undefined : check(ShareMessage, text, 'message');
  const role = roleOption(ctx);
  return { notify, ...(message ? { message } : {}), connect: has(ctx.args, 'connect'), ...(role ? { role } : {}) };
}
