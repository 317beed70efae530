import { z } from 'zod';
import { ServerModeSchema, Email, Username, Password } from '../../shared/schemas/entities.ts';
import { flag, has, onlyFlags, UsageError } from './args.ts';
import type { Ctx } from './context.ts';
import { CliExit, Exit, readStdin } from './output.ts';

/**
 * `server` and `admin`: thin wrappers over the sync server's own entry points, so one binary
 * both runs a lab server and scripts it. Loaded lazily: a client-only install never imports
 * the server (and its native SQLite module).
 */
const Port = z.coerce.number().int().min(0).max(65535);

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new UsageError(`bad ${what}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

const DatabaseUrl = z.string().regex(/^postgres(ql)?:\/\/[^\s]+$/, 'a postgres:// URL');

/** Where the data is: `--data DIR` (the embedded SQLite database), or `--database URL` with optionally `--blobs DIR`. */
type DataChoice = { dataDir?: string; database?: string; blobsDir?: string };

function dataChoice(ctx: Ctx): DataChoice {
  const database = flag(ctx.args, 'database');
  const dataDir = flag(ctx.args, 'data');
  const blobsDir = flag(ctx.args, 'blobs');
  if (database === undefined && dataDir === undefined) throw new UsageError('--data DIR or --database URL is required');
  if (database === undefined && blobsDir !== undefined) throw new UsageError('--blobs DIR goes with --database URL (without it FCS files are in the data folder)');
  return {
    ...(database !== undefined ? { database: parse(DatabaseUrl, database, '--database') } : {}),
    ...(dataDir !== undefined ? { dataDir: parse(z.string().min(1), dataDir, '--data') } : {}),
    ...(blobsDir !== undefined ? { blobsDir: parse(z.string().min(1), blobsDir, '--blobs') } : {}),
  };
}

/** How the hint for the first account names the data: never the URL itself (it may hold a password). */
const whereFlag = (choice: DataChoice): string => (choice.database ? '--database URL' : `--data ${choice.dataDir ?? 'DIR'}`);

export async function runServer(ctx: Ctx): Promise<Exit> {
  onlyFlags(ctx.args, ['data', 'database', 'blobs', 'port', 'host', 'mode', 'smtp', 'public-url', 'limit']);
  if (ctx.args.positionals.length !== 1) throw new UsageError('server takes no arguments');
  // With --database the data folder still holds what is local: the mail outbox, uploads on their way in.
  const dataDir = parse(z.string().min(1), flag(ctx.args, 'data'), '--data');
  const choice = { ...dataChoice(ctx), dataDir };
  const port = parse(Port, flag(ctx.args, 'port') ?? '8787', '--port');
  const host = parse(z.string().min(1), flag(ctx.args, 'host') ?? '127.0.0.1', '--host');
  // Without --mode the data folder keeps the mode it has (premium for a new one).
  const modeFlag = flag(ctx.args, 'mode');
  const mode = modeFlag === undefined ? undefined : parse(ServerModeSchema, modeFlag, '--mode');
  const { startServer } = await import('../../sync-server/server.ts');
  const { limitsFrom } = await import('../../sync-server/limits.ts');
  const limitFlag = flag(ctx.args, 'limit');
  let limits;
  try {
    limits = limitsFrom(limitFlag === undefined ? [] : limitFlag.split(','));
  } catch (error) {
    throw new UsageError(`bad --limit: ${(error as Error).message}`);
  }
  const smtpUrl = flag(ctx.args, 'smtp');
  if (smtpUrl !== undefined) parse(z.string().regex(/^smtps?:\/\//, 'an smtp:// or smtps:// URL'), smtpUrl, '--smtp');
  const publicUrl = flag(ctx.args, 'public-url');
  const { openBlobs, openStore } = await import('../../sync-server/store/open-store.ts');
  const store = await openStore(choice, 'server');
  const server = await startServer({
    dataDir,
    store,
    blobs: openBlobs(choice),
    host,
    port,
    limits,
    ...(mode ? { mode } : {}),
    ...(smtpUrl ? { smtpUrl } : {}),
    ...(publicUrl ? { publicUrl } : {}),
  });
  process.stdout.write(`listening on http://${host}:${server.port}\n`);
  if (server.firstRun) {
    process.stderr.write(
      `No account yet. Create the first one with:\n  npx cytoshare admin ${whereFlag(choice)} add-user NAME --email EMAIL --password-stdin --verified [--staff]\n`,
    );
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  return Exit.ok;
}

export async function runAdmin(ctx: Ctx): Promise<Exit> {
  onlyFlags(ctx.args, ['data', 'database', 'blobs', 'email', 'password-stdin', 'staff', 'verified', 'dry-run', 'retry']);
  const [, sub, name, ...rest] = ctx.args.positionals;
  if (sub === 'set-mode' && name !== undefined && rest.length === 0) return runSetMode(ctx, name);
  if (sub === 'mail' && name === undefined) return runMailStatus(ctx);
  if (sub === 'gc-blobs' && name === undefined) return runGcBlobs(ctx);
  if (sub === 'reset-password' && name !== undefined && rest.length === 0) return runResetPassword(ctx, name);
  if ((sub === 'disable' || sub === 'enable') && name !== undefined && rest.length === 0) return runDisable(ctx, name, sub === 'disable');
  if (sub === 'require-totp' && (name === 'on' || name === 'off') && rest.length === 0) return runRequireTotp(ctx, name === 'on');
  if (sub === 'migrate-to' && name !== undefined && rest.length === 0) return runMigrateTo(ctx, name);
  if (sub === 'reset-totp' && name !== undefined && rest.length === 0) return runResetTotp(ctx, name);
  if (sub !== 'add-user' || name === undefined || rest.length > 0) {
    throw new UsageError(
      'usage: admin --data DIR add-user USERNAME --email EMAIL --password-stdin [--staff] [--verified] | admin --data DIR set-mode premium|enterprise | admin --data DIR mail [--retry ID] | admin --data DIR gc-blobs [--dry-run] | admin --data DIR reset-password USERNAME --password-stdin | admin --data DIR disable|enable USERNAME | admin --data DIR require-totp on|off | admin --data DIR reset-totp USERNAME | admin --data DIR migrate-to URL [--blobs DIR] (or --database URL [--blobs DIR] in place of --data DIR)',
    );
  }
  if (!has(ctx.args, 'password-stdin')) throw new UsageError('--password-stdin is required');
  const dataDir = dataChoice(ctx);
  const username = parse(Username, name, 'username');
  const email = parse(Email, flag(ctx.args, 'email'), '--email');
  const password = parse(Password, await readStdin(), 'password');
  const { addUser } = await import('../../sync-server/admin.ts');
  try {
    // Without --verified the address is proved like a sign-up's: a code is mailed to it.
    const user = await addUser(dataDir, { username, email, password, staff: has(ctx.args, 'staff'), verified: has(ctx.args, 'verified') });
    const proof = user.emailVerified ? `address ${user.email} verified` : `a code was mailed to ${email} (the address counts once proved)`;
    ctx.out.result(user, `added ${user.username}${user.staff ? ' (staff)' : ''}; ${proof}`);
    return Exit.ok;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') throw ctx.out.error(code, 'refused', Exit.refused);
    throw error;
  }
}

/** `admin --data DIR set-mode premium|enterprise`; a running server follows within a second. */
async function runSetMode(ctx: Ctx, value: string): Promise<Exit> {
  const dataDir = dataChoice(ctx);
  const mode = parse(ServerModeSchema, value, 'mode');
  const { setMode } = await import('../../sync-server/admin.ts');
  const result = await setMode(dataDir, mode);
  ctx.out.result(result, `mode ${result.mode}${result.preExisting ? `; ${result.preExisting} pre-existing connections` : ''}`);
  return Exit.ok;
}

/** `admin --data DIR mail [--retry ID]`: mail waiting to be sent, and mail the server gave up on. */
async function runMailStatus(ctx: Ctx): Promise<Exit> {
  const dataDir = dataChoice(ctx);
  const { mailStatus, retryMail } = await import('../../sync-server/admin.ts');
  const retry = flag(ctx.args, 'retry');
  if (retry !== undefined) {
    const id = parse(z.coerce.number().int().positive(), retry, '--retry');
    const done = await retryMail(dataDir, id).catch((error: unknown) => {
      throw asUsage(error);
    });
    ctx.out.result(done, `mail #${id} queued again`);
    return Exit.ok;
  }
  const status = await mailStatus(dataDir).catch((error: unknown) => {
    throw asUsage(error);
  });
  const lines = [`${status.pending} waiting to be sent; ${status.undeliverable.length} given up`];
  for (const m of status.undeliverable) {
    lines.push(`  #${m.id} to ${m.to}, ${m.attempts} attempts, given up ${new Date(m.givenUpAt).toISOString()}: ${m.error ?? 'no error recorded'}`);
  }
  ctx.out.result(status, lines.join('\n'));
  return Exit.ok;
}

/** `admin --data DIR gc-blobs [--dry-run]`: removes FCS files no experiment lists any more. */
async function runGcBlobs(ctx: Ctx): Promise<Exit> {
  const dataDir = dataChoice(ctx);
  const { gcBlobs } = await import('../../sync-server/admin.ts');
  const r = await gcBlobs(dataDir, { dryRun: has(ctx.args, 'dry-run') }).catch((error: unknown) => {
    throw asUsage(error);
  });
  const verb = r.dryRun ? 'would remove' : 'removed';
  ctx.out.result(r, `${verb} ${r.removed} unlisted files (${r.freedBytes} bytes); ${r.referenced} in use; ${r.recent} unlisted but recent, kept`);
  return Exit.ok;
}

/**
 * `admin --data DIR migrate-to URL [--blobs DIR]`: the stopped server's data folder into an
 * empty PostgreSQL database (see migrate-to-pg.ts). The URL is never printed: it may hold a password.
 */
async function runMigrateTo(ctx: Ctx, url: string): Promise<Exit> {
  const dataDir = parse(z.string().min(1), flag(ctx.args, 'data'), '--data');
  if (flag(ctx.args, 'database') !== undefined) throw new UsageError('migrate-to takes the database as its argument: admin --data DIR migrate-to URL');
  if (!/^postgres(ql)?:\/\//.test(url)) throw new UsageError('migrate-to URL: a postgres://USER@HOST:PORT/DB address');
  const blobsDir = flag(ctx.args, 'blobs');
  const { migrateToPostgres, MigrationError } = await import('../../sync-server/store/migrate-to-pg.ts');
  const report = await migrateToPostgres(dataDir, url, blobsDir === undefined ? {} : { blobsDir }).catch((error: unknown) => {
    throw error instanceof MigrationError ? new UsageError(error.message) : asUsage(error);
  });
  const rows = Object.values(report.tables).reduce((a, b) => a + b, 0);
  const where = report.blobs.into === 'database' ? 'the database' : 'the blobs folder';
  ctx.out.result(report, `migrated ${rows} rows in ${Object.keys(report.tables).length} tables and ${report.blobs.files} FCS files (${report.blobs.bytes} bytes) into PostgreSQL; FCS files in ${where}. Start the server with --database URL${blobsDir ? ' --blobs DIR' : ''}.`);
  return Exit.ok;
}

/**
 * `admin --data DIR reset-password USERNAME --password-stdin`: a new password, and every session
 * of the account ends (a running server closes its sockets within a second).
 */
async function runResetPassword(ctx: Ctx, name: string): Promise<Exit> {
  if (!has(ctx.args, 'password-stdin')) throw new UsageError('--password-stdin is required');
  const dataDir = dataChoice(ctx);
  const username = parse(Username, name, 'username');
  const password = parse(Password, await readStdin(), 'password');
  const { resetPassword } = await import('../../sync-server/admin.ts');
  const done = await resetPassword(dataDir, username, password).catch((error: unknown) => {
    throw refusedOrUsage(ctx, error);
  });
  ctx.out.result(done, `password of ${done.username} reset; ${done.endedSessions} session${done.endedSessions === 1 ? '' : 's'} ended`);
  return Exit.ok;
}

/**
 * `admin --data DIR disable|enable USERNAME`: a disabled account cannot sign in, and its sessions
 * end (a running server closes its sockets within a second); enabling lets it sign in again.
 */
async function runDisable(ctx: Ctx, name: string, disabled: boolean): Promise<Exit> {
  const dataDir = dataChoice(ctx);
  const username = parse(Username, name, 'username');
  const { setAccountDisabled } = await import('../../sync-server/admin.ts');
  const done = await setAccountDisabled(dataDir, username, disabled).catch((error: unknown) => {
    throw refusedOrUsage(ctx, error);
  });
  ctx.out.result(done, `${done.username} ${disabled ? 'disabled; its sessions ended' : 'enabled'}`);
  return Exit.ok;
}

/** `admin --data DIR require-totp on|off`: two-step sign-in for every account of the server. */
async function runRequireTotp(ctx: Ctx, on: boolean): Promise<Exit> {
  const dataDir = parse(z.string().min(1), flag(ctx.args, 'data'), '--data');
  const { setTotpRequired } = await import('../../sync-server/admin.ts');
  const done = await setTotpRequired(dataDir, on).catch((error: unknown) => {
    throw asUsage(error);
  });
  ctx.out.result(done, on ? 'two-step sign-in required; accounts without it may only set it up' : 'two-step sign-in optional');
  return Exit.ok;
}

/** `admin --data DIR reset-totp USERNAME`: a lost phone; the account signs in with its password alone again. */
async function runResetTotp(ctx: Ctx, name: string): Promise<Exit> {
  const dataDir = parse(z.string().min(1), flag(ctx.args, 'data'), '--data');
  const username = parse(Username, name, 'username');
  const { resetTotp } = await import('../../sync-server/admin.ts');
  const done = await resetTotp(dataDir, username).catch((error: unknown) => {
    throw refusedOrUsage(ctx, error);
  });
  const s = done.endedSessions === 1 ? '' : 's';
  ctx.out.result(done, `two-step sign-in of ${done.username} ${done.hadTotp ? 'reset' : 'was not set up'}; ${done.endedSessions} session${s} ended`);
  return Exit.ok;
}

/** An unknown user is a refusal (exit 3); a data folder that is not one a usage error (exit 2). */
function refusedOrUsage(ctx: Ctx, error: unknown): unknown {
  const e = error as { code?: unknown; message?: unknown };
  if (e.code === 'UNKNOWN_USER') return ctx.out.error(e.code, 'no such account', Exit.refused);
  return asUsage(error);
}

/** A coded refusal of the data folder (not one) as a usage error, exit 2; anything else as it is. */
function asUsage(error: unknown): unknown {
  const e = error as { code?: unknown; message?: unknown };
  return typeof e.code === 'string' && typeof e.message === 'string' ? new UsageError(`--data: ${e.message}`) : error;
}

export { CliExit };
