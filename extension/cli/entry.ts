import { helpStatus, splitArgs, usage } from './args.ts';

/**
 * Where `cytoshare` starts (the compiled dist/cli.mjs, or the sources through tsx). A request
 * for help is answered from the argument parser alone; any other command loads main.ts, and
 * with it the client core, only then, so `cytoshare --help` starts about as fast as node.
 */
export async function run(argv: string[]): Promise<number> {
  let help: number | null = null;
  try {
    help = helpStatus(splitArgs(argv));
  } catch {
    // A malformed line is main's to report, with its usage error and exit status.
  }
  if (help !== null) {
    process.stdout.write(`${usage}\n`);
    return help;
  }
  const { main } = await import('./main.ts');
  return main(argv);
}
