import type { z } from 'zod';
/**
 * Splits the command line into positionals and flags. Which flags exist and whether they take
 * a value is declared once here; an unknown flag or a missing value is a usage error (exit 2).
 * Flags may come anywhere after the program name, as `--flag value` or `--flag=value`.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const valueFlags = new Set([
  'server', 'profile', 'email', 'parent', 'x', 'y', 'rect', 'polygon', 'filter', 'search', 'data', 'port', 'host', 'mode',
  'smtp', 'public-url', 'database', 'blobs', 'out', 'role', 'access', 'illustrations', 'cloning', 'retry', 'limit', 'end', 'scrub',
  'expires', 'file', 'scale', 'cofactor', 'from', 'message', 'format', 'as', 'until', 'at',
]);
const boolFlags = new Set(['json', 'offline', 'password-stdin', 'code-stdin', 'staff', 'verified', 'linked', 'files-only', 'remove', 'help', 'dry-run', 'end-others', 'check', 'download', 'no-notify', 'connect', 'verify', 'leave', 'family']);

/** A value parsed with its schema, or a usage error naming what was bad. */
export function check<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new UsageError(`bad ${what}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

export type ParsedArgs = { positionals: string[]; flags: Map<string, string | true> };

export function splitArgs(argv: string[]): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '--') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    if (flags.has(name)) throw new UsageError(`--${name} given twice`);
    if (boolFlags.has(name)) {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`);
      flags.set(name, true);
    } else if (valueFlags.has(name)) {
      const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      flags.set(name, value);
    } else {
      throw new UsageError(`unknown option --${name}`);
    }
  }
  return { positionals, flags };
}

/** Flags every command accepts. */
export const globalFlags = ['server', 'profile', 'json', 'offline', 'help'] as const;

/** Refuses flags the command does not take: a typo must not be ignored silently. */
export function onlyFlags(args: ParsedArgs, allowed: readonly string[]): void {
  for (const name of args.flags.keys()) {
    if (!allowed.includes(name) && !(globalFlags as readonly string[]).includes(name)) {
      throw new UsageError(`this command does not take --${name}`);
    }
  }
}

export function flag(args: ParsedArgs, name: string): string | undefined {
  const value = args.flags.get(name);
  return typeof value === 'string' ? value : undefined;
}

export function has(args: ParsedArgs, name: string): boolean {
  return args.flags.get(name) === true;
}

/**
 * A request for the usage text: `--help` or `help` (exit 0), or no command at all (exit 2);
 * null when the line asks for something else.
 */
export function helpStatus(args: ParsedArgs): 0 | 2 | null {
  const name = args.positionals[0];
  if (has(args, 'help') || name === 'help') return 0;
  return name === undefined ? 2 : null;
}

export const usage = `cytoshare — share cytometry experiments from the command line

global options: --server URL (default http://127.0.0.1:8787)  --profile DIR (default ~/.cytoshare)
                --json (machine-readable output)  --offline (record drafts without contacting the server)

  server --data DIR [--database postgres://…] [--blobs DIR] [--port N] [--host H] [--mode premium|enterprise] [--smtp URL] [--public-url URL]
  admin --data DIR add-user USERNAME --email EMAIL --password-stdin [--staff] [--verified]
  admin --data DIR set-mode premium|enterprise | admin --data DIR mail [--retry ID] | admin --data DIR gc-blobs [--dry-run]
  admin --data DIR reset-password USERNAME --password-stdin | admin --data DIR disable USERNAME | admin --data DIR enable USERNAME
  admin --data DIR require-totp on|off | admin --data DIR reset-totp USERNAME
  (admin: --database URL [--blobs DIR] in place of --data DIR, for a server on PostgreSQL)
  login USERNAME --password-stdin [--code-stdin]   (with --code-stdin: the authenticator or recovery code on stdin's second line)
  logout | whoami
  totp status | totp enable --password-stdin | totp confirm CODE | totp disable --password-stdin   (disable: password, then a code, on stdin)
  password --password-stdin   (stdin: the current password, then the new one on a second line; other sessions end)
  sessions [--end ID | --end-others]
  signup USERNAME --email EMAIL --password-stdin
  verify CODE | email NEW_ADDRESS   (prove your address with the mailed code; change it)
  exp create NAME | exp list [--filter all|mine|shared|public|curated|trash|project:ID] [--search TEXT]
  exp show ID | exp rename ID NAME
  share ID USER_OR_EMAIL [--no-notify] [--message TEXT] [--connect] [--role full|viewer] [--until DATE] | unshare ID USER | publish ID [--at DATE] | unpublish ID
  share ID USER USER … | share --from FILE.csv   (rows experiment,user[,role]; a verdict per row; --dry-run changes nothing)
  link ID --parent PARENT_ID | clone ID [--files-only] [--linked]
  tag ID FILE DIMENSION VALUE
  gate add ID NAME --x CHANNEL --y CHANNEL --rect X1,Y1,X2,Y2 (or --polygon X1,Y1;X2,Y2;X3,Y3…) | gate rm ID GATE | gate export ID GATE
  file add EXP PATH [--check | --scrub KEY,KEY] | file get EXP FILE --out PATH
  review-link create ID [--expires DATE] [--download] | review-link list ID | review-link revoke ID LINK_ID
  figure add ID NAME --file FILE --x CHANNEL --y CHANNEL [--scale lin|log|asinh] [--cofactor C] | figure list ID
  figure export ID FIGURE --out FILE.png|FILE.svg
  export ID --out FILE.zip | import FILE.zip   (one archive: FCS files, manifest, tags CSV, Gating-ML gates)
  project create NAME | project add PROJECT EXP | project remove PROJECT EXP | project list | project show PROJECT
  project member PROJECT USER --role manager|leader|member | --remove
  project policy PROJECT --access full|restricted [--illustrations view-only|create] [--cloning disabled|files-only|full]
  trash ID | restore ID | delete ID | curate ID on|off | request-curation ID | curation-queue
  audit ID [--verify] [--format csv|json]   (the experiment's sharing history; --verify exits 3 AUDIT_TAMPERED when broken)
  connect EMAIL | connections | accept USER | reject USER | disconnect USER | prefs share-emails on|off
  transfer ID USER [--leave] [--family] | accept-transfer T | decline-transfer T | cancel-transfer T | transfers
  sync | drafts

exit codes: 0 done, 2 usage, 3 refused, 4 not signed in or bad credentials, 5 server unreachable`;
