import { Email, Password, Username } from '../../shared/schemas/entities.ts';
import { flag, has, onlyFlags, UsageError } from './args.ts';
import type { Ctx } from './context.ts';
import { Exit, readStdin } from './output.ts';

/** Sign in, sign up, sign out, and who the profile is signed in as. */
function positional(ctx: Ctx, count: number, shape: string): string[] {
  const rest = ctx.args.positionals.slice(1);
  if (rest.length !== count) throw new UsageError(`usage: ${shape}`);
  return rest;
}

async function password(ctx: Ctx, strict: boolean): Promise<string> {
  if (!has(ctx.args, 'password-stdin')) throw new UsageError('--password-stdin is required (passwords are never taken on the command line)');
  const value = await readStdin();
  const parsed = (strict ? Password : Password.min(1)).safeParse(value);
  if (!parsed.success) throw new UsageError(`bad password: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

/**
 * `login USERNAME --password-stdin [--code-stdin]`: with --code-stdin the second line of stdin is
 * the authenticator (or a recovery) code, so a script can pipe both. Without it an account with
 * two-step sign-in is refused with TOTP_REQUIRED (exit 4), and no session is made.
 */
export async function runLogin(ctx: Ctx): Promise<Exit> {
  onlyFlags(ctx.args, ['password-stdin', 'code-stdin']);
  const [name] = positional(ctx, 1, 'login USERNAME --password-stdin [--code-stdin]');
  const username = Username.safeParse(name);
  if (!username.success) throw new UsageError('bad username');
  let secret: string;
  let code: string | undefined;
  if (has(ctx.args, 'code-stdin')) {
    if (!has(ctx.args, 'password-stdin')) throw new UsageError('--password-stdin is required (passwords are never taken on the command line)');
    const lines = (await readStdin()).split(/\r?\n/);
    if (lines.length !== 2 || !lines[0] || !lines[1]) throw new UsageError('give the password on the first line of stdin and the code on the second');
    [secret, code] = [lines[0], lines[1].trim()];
  } else {
    secret = await password(ctx, false);
  }
  const account = await (await ctx.core()).login(username.data, secret, code);
  const note = account.totpEnrolmentRequired ? '; this server requires two-step sign-in: set it up with `cytoshare totp enable --password-stdin`' : '';
  ctx.out.result(account, `signed in as ${account.username} on ${account.server}${note}`);
  return Exit.ok;
}

/**
 * `totp status | enable --password-stdin | confirm CODE | disable --password-stdin`: two-step
 * sign-in of the signed-in account. `enable` prints the secret and its otpauth:// URI once; the
 * factor is on only after `confirm` with a first code, which prints the recovery codes once.
 * `disable` reads the password and then a current (or recovery) code from stdin.
 */
export async function runTotp(ctx: Ctx): Promise<Exit> {
  onlyFlags(ctx.args, ['password-stdin']);
  const [, sub, arg, ...rest] = ctx.args.positionals;
  const shape = 'totp status | totp enable --password-stdin | totp confirm CODE | totp disable --password-stdin';
  if (ctx.offline) throw new UsageError('two-step sign-in lives on the server; drop --offline');
  if (sub === 'status' && arg === undefined) {
    const status = await (await ctx.core()).totp().totpStatus();
    const state = status.enabled ? `on (${status.recoveryCodesLeft} recovery code${status.recoveryCodesLeft === 1 ? '' : 's'} left)` : status.pending ? 'waiting for its first code (cytoshare totp confirm CODE)' : 'off';
    ctx.out.result(status, `two-step sign-in ${state}${status.required ? '; required by this server' : ''}`);
    return Exit.ok;
  }
  if (sub === 'enable' && arg === undefined) {
    const enrolment = await (await ctx.core()).totp().totpEnable(await password(ctx, false));
    ctx.out.result(
      enrolment,
      `secret: ${enrolment.secret}\nuri: ${enrolment.uri}\nadd it to your authenticator app, then switch two-step sign-in on with \`cytoshare totp confirm CODE\``,
    );
    return Exit.ok;
  }
  if (sub === 'confirm' && arg !== undefined && rest.length === 0) {
    const done = await (await ctx.core()).totp().totpConfirm(arg);
    ctx.out.result(done, `two-step sign-in on. Recovery codes (each works once; keep them safe, they are not shown again):\n${done.recoveryCodes.join('\n')}`);
    return Exit.ok;
  }
  if (sub === 'disable' && arg === undefined) {
    if (!has(ctx.args, 'password-stdin')) throw new UsageError('--password-stdin is required (passwords are never taken on the command line)');
    const lines = (await readStdin()).split(/\r?\n/);
    if (lines.length !== 2 || !lines[0] || !lines[1]) throw new UsageError('give the password on the first line of stdin and a current or recovery code on the second');
    const done = await (await ctx.core()).totp().totpDisable(lines[0], lines[1].trim());
    ctx.out.result(done, 'two-step sign-in off');
    return Exit.ok;
  }
  throw new UsageError(`usage: ${shape}`);
}

export async function runSignup(ctx: Ctx): Promise<Exit> {
  onlyFlags(ctx.args, ['password-stdin', 'email']);
  const [name] = positional(ctx, 1, 'signup USERNAME --email EMAIL --password-stdin');
  const username = Username.safeParse(name);
  const email = Email.safeParse(flag(ctx.args, 'email'));
  if (!username.success) throw new UsageError('bad username');
  if (!email.success) throw new UsageError('bad or missing --email');
  const account = await (await ctx.core()).signup(username.data, email.data, await password(ctx, true));
  ctx.out.result(
    { ...account, emailVerified: false, pendingEmail: email.data },
    `signed up and signed in as ${account.username}; a code was mailed to ${email.data}: prove the address with \`cytoshare verify CODE\``,
  );
  return Exit.ok;
}

export async function runLogout(ctx: Ctx): Promise<Exit> {
  onlyFlags(ctx.args, []);
  positional(ctx, 0, 'logout');
  await (await ctx.core()).logout();
  ctx.out.result({ ok: true }, 'signed out');
  return Exit.ok;
}

export async function runWhoami(ctx: Ctx): Promise<Exit> {
  onlyFlags(ctx.args, []);
  positional(ctx, 0, 'whoami');
  const core = await ctx.core();
  const session = core.requireSession();
  if (ctx.offline) {
    const who = { username: session.username, email: session.email, staff: session.staff, mode: session.mode, server: session.server };
    ctx.out.result(who, `${who.username} <${who.email}> on ${who.server} (offline)`);
    return Exit.ok;
  }
  const who = { ...(await core.whoami()), server: core.server };
  const address = who.email ? `<${who.email}> (address proved)` : '(no proved address)';
  const pending = who.pendingEmail ? `; ${who.pendingEmail} waits for its code (cytoshare verify CODE)` : '';
  ctx.out.result(who, `${who.username} ${address}${who.staff ? ' staff' : ''} on ${who.server} (${who.mode})${pending}`);
  return Exit.ok;
}

/** `verify CODE`: proves the address waiting for the code mailed to it. */
export async function runVerify(ctx: Ctx): Promise<Exit> {
  onlyFlags(ctx.args, []);
  const [code] = positional(ctx, 1, 'verify CODE');
  if (ctx.offline) throw new UsageError('verification happens on the server; drop --offline');
  const state = await (await ctx.core()).verifyEmail(code as string);
  ctx.out.result(state, `address proved: ${state.email}`);
  return Exit.ok;
}

/** `email NEW_ADDRESS`: a code goes to the new address; the old one stays in force until it is proved. */
export async function runEmail(ctx: Ctx): Promise<Exit> {
  onlyFlags(ctx.args, []);
  const [value] = positional(ctx, 1, 'email NEW_ADDRESS');
  const email = Email.safeParse(value);
  if (!email.success) throw new UsageError('bad address');
  if (ctx.offline) throw new UsageError('addresses live on the server; drop --offline');
  const state = await (await ctx.core()).changeEmail(email.data);
  const text = state.pendingEmail
    ? `a code was mailed to ${state.pendingEmail}; prove it with \`cytoshare verify CODE\`${state.email ? ` (${state.email} stays your address until then)` : ''}`
    : `your address is ${state.email}; no change pending`;
  ctx.out.result(state, text);
  return Exit.ok;
}

/** `prefs share-emails on|off`: whether the server mails you when something is shared with you. */
export async function runPrefs(ctx: Ctx): Promise<Exit> {
  onlyFlags(ctx.args, []);
  const [, name, value, ...rest] = ctx.args.positionals;
  if (name !== 'share-emails' || (value !== 'on' && value !== 'off') || rest.length > 0) throw new UsageError('usage: prefs share-emails on|off');
  if (ctx.offline) throw new UsageError('preferences live on the server; drop --offline');
  const core = await ctx.core();
  const saved = await core.setShareEmails(value === 'on');
  ctx.out.result(saved, `share emails ${saved.shareEmails ? 'on' : 'off'}`);
  return Exit.ok;
}

/**
 * `password --password-stdin`: the current password on stdin's first line, the new one on the
 * second. Every other session of the account ends; this profile stays signed in.
 */
export async function runPassword(ctx: Ctx): Promise<Exit> {
  onlyFlags(ctx.args, ['password-stdin']);
  positional(ctx, 0, 'password --password-stdin   (current password on the first line of stdin, the new one on the second)');
  if (!has(ctx.args, 'password-stdin')) throw new UsageError('--password-stdin is required (passwords are never taken on the command line)');
  if (ctx.offline) throw new UsageError('a password lives on the server; drop --offline');
  const lines = (await readStdin()).split(/\r?\n/);
  const [current, next] = lines;
  if (lines.length !== 2 || !current) throw new UsageError('give the current password on the first line of stdin and the new one on the second');
  const parsed = Password.safeParse(next);
  if (!parsed.success) throw new UsageError(`bad new password: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  const done = await (await ctx.core()).changePassword(current, parsed.data);
  ctx.out.result(done, `password changed; ${done.endedSessions} other session${done.endedSessions === 1 ? '' : 's'} ended`);
  return Exit.ok;
}

/** `sessions [--end ID | --end-others]`: your own sessions on the server, by public id. */
export async function runSessions(ctx: Ctx): Promise<Exit> {
  onlyFlags(ctx.args, ['end', 'end-others']);
  positional(ctx, 0, 'sessions [--end ID | --end-others]');
  if (ctx.offline) throw new UsageError('sessions live on the server; drop --offline');
  const end = flag(ctx.args, 'end');
  const others = has(ctx.args, 'end-others');
  if (end !== undefined && others) throw new UsageError('give --end ID or --end-others, not both');
  const core = await ctx.core();
  if (others) {
    const done = await core.endSessions({ others: true });
    ctx.out.result(done, `${done.ended} other session${done.ended === 1 ? '' : 's'} ended`);
    return Exit.ok;
  }
  if (end !== undefined) {
    const current = (await core.sessions()).find((s) => s.current)?.id;
    const done = await core.endSessions({ id: end });
    // Ending this profile's own session is signing out: forget the token too.
    if (end === current) await core.logout();
    ctx.out.result({ ...done, id: end, current: end === current }, end === current ? 'this session ended; signed out' : `session ${end} ended`);
    return Exit.ok;
  }
  const list = await core.sessions();
  const day = (t: number | null) => (t === null ? '-' : new Date(t).toISOString().slice(0, 16).replace('T', ' '));
  const lines = list.map((s) => `${s.id}  created ${day(s.createdAt)}  last used ${day(s.lastUsedAt)}  expires ${day(s.expiresAt)}${s.current ? '  (this one)' : ''}`);
  ctx.out.result(list, lines.join('\n'));
  return Exit.ok;
}
