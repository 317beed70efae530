import { afterAll, beforeAll } from 'vitest';
import { signedInPerson, type Person } from './session.ts';
import { startTestServer, type TestServer } from './server.ts';

export type ExtensionSessionOptions<Name extends string> = {
  /** Accounts made on the server; everyone with a browser needs one. */
  accounts: readonly string[];
  /** Pairs connected over the HTTP API (request, then accept), as premium sharing needs. */
  connections?: readonly (readonly [string, string])[];
  /** The people who get their own browser profile with the extension, signed in. */
  browsers: readonly Name[];
};

/** The server and each person's browser, readable once the describe block's `beforeAll` ran. */
export type ExtensionSession<Name extends string> = { readonly server: TestServer } & { readonly [N in Name]: Person };

/**
 * The set-up most e2e files share, registered as this describe block's `beforeAll`/`afterAll`:
 * a fresh test server with the accounts and connections, then one signed-in browser a person.
 * A file's own `beforeAll`, registered after this call, runs after it and may use the session.
 */
export function withExtensionSession<const Name extends string>(options: ExtensionSessionOptions<Name>): ExtensionSession<Name> {
  let server: TestServer | undefined;
  const people = new Map<Name, Person>();
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is read before the session's beforeAll ran`);
    return value;
  };
  beforeAll(async () => {
    server = await startTestServer();
    for (const name of options.accounts) await server.addUser(name);
    for (const [a, b] of options.connections ?? []) await server.connect(a, b);
    for (const name of options.browsers) people.set(name, await signedInPerson(server, name));
  });
  afterAll(async () => {
    // Browsers first: they hold sockets to the server.
    for (const person of people.values()) await person.browser.dispose();
    await server?.dispose();
  });
  const session = { get server() { return started(server, 'the server'); } };
  for (const name of options.browsers) Object.defineProperty(session, name, { get: () => started(people.get(name), name), enumerable: true });
  return session as ExtensionSession<Name>;
}
