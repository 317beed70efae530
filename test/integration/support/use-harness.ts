import { afterEach, beforeEach } from 'vitest';
import { startHarness, type Harness, type TestUser } from './harness.ts';
import { startSmtp, type Inbox } from './smtp.ts';

/**
 * The harness set-up most integration files share, registered as the file's (or describe
 * block's) `beforeEach`/`afterEach`, the way test/e2e/support/extension-session.ts does it for
 * e2e. What these return stands for the harness running now, so a file's helpers and tests use
 * it like the harness itself (`h.server.url`, `h.user('alice')`, `h.restart()`).
 */
export type HarnessOptions = NonNullable<Parameters<typeof startHarness>[0]>;

/** Retries fast enough that a test waits on a mail for well under a second, not minutes. */
export const FAST_MAIL_RETRY = { baseMs: 50, maxMs: 200 };

export type HarnessHandle = Harness & {
  /** Starts the harness (stopped after the test); a test may stop it and start another. */
  start(options?: HarnessOptions): Promise<Harness>;
  /** Starts an SMTP inbox on 127.0.0.1 and the harness mailing to it; both stopped after the test. */
  startWithInbox(options?: HarnessOptions): Promise<Inbox>;
};

function harnessHandle(): HarnessHandle {
  let current: Harness | undefined;
  let inbox: Inbox | undefined;
  const running = (): Harness => {
    if (current === undefined) throw new Error('the harness is read before a test started it');
    return current;
  };
  const handle: HarnessHandle = {
    get server() {
      return running().server;
    },
    // A test may put a server of its own on the harness's data (as on the harness itself).
    set server(server) {
      running().server = server;
    },
    get dataDir() {
      return running().dataDir;
    },
    get database() {
      return running().database;
    },
    restart: (whileStopped) => running().restart(whileStopped),
    user: (username, opts) => running().user(username, opts),
    async stop() {
      const stopping = current;
      current = undefined;
      await stopping?.stop();
      await inbox?.close();
      inbox = undefined;
    },
    async start(options = {}) {
      if (current !== undefined) throw new Error('a harness is running already: stop it first');
      current = await startHarness(options);
      return current;
    },
    async startWithInbox(options = {}) {
      inbox = await startSmtp();
      await handle.start({ smtpUrl: `smtp://127.0.0.1:${inbox.port}`, mailRetry: FAST_MAIL_RETRY, ...options });
      return inbox;
    },
  };
  afterEach(async () => {
    await handle.stop();
  });
  return handle;
}

/**
 * A fresh harness before each test (`options`, or what `options()` answers then, for options
 * made by an earlier hook), stopped after it.
 */
export function useHarness(options: HarnessOptions | (() => HarnessOptions) = {}): HarnessHandle {
  const handle = harnessHandle();
  beforeEach(async () => {
    await handle.start(typeof options === 'function' ? options() : options);
  });
  return handle;
}

/** For files whose tests each start the harness they need (`h.start(...)`); stopped after each. */
export function useHarnessPerTest(): HarnessHandle {
  return harnessHandle();
}

/**
 * The fixture of most sharing tests: `owner` (alice) made an experiment and shared it with
 * `reader` (bob, full access), who may read it now.
 */
export async function sharedExperiment(
  h: Harness,
  name: string,
  { owner = 'alice', reader = 'bob' }: { owner?: string; reader?: string } = {},
): Promise<{ owner: TestUser; reader: TestUser; id: string }> {
  const ownerUser = await h.user(owner);
  const readerUser = await h.user(reader);
  const id = await ownerUser.createExperiment(name);
  const shared = await ownerUser.intent({ type: 'share', experimentId: id, user: reader });
  if (!shared.ok) throw new Error(`share refused: ${shared.code}`);
  return { owner: ownerUser, reader: readerUser, id };
}
