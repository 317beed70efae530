import { describe, expect, it } from 'vitest';
import type { Logger } from '../../sync-server/log.ts';
import { docName } from './support/harness.ts';
import { useHarnessPerTest } from './support/use-harness.ts';

/**
 * An accepted edit's effects (the new name into the database and the holders' lists) run after
 * the edit is acknowledged, spaced two seconds apart per experiment. A server stopped while one
 * is pending publishes it before its store closes: nothing is lost, and nothing fails against a
 * closed database ("content effect failed … database connection is not open").
 */
const h = useHarnessPerTest();

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('stopping the server with a content effect pending', () => {
  it('publishes the pending rename before the store closes, and logs no error', async () => {
    const errors: string[] = [];
    const log: Logger = { info: () => undefined, warn: () => undefined, error: (event, fields) => errors.push(`${event} ${JSON.stringify(fields ?? {})}`) };
    await h.start({ log });
    const alice = await h.user('alice');
    const id = await alice.createExperiment('First name');
    const live = await alice.open(docName.experiment(id));
    await live.waitFor(() => live.provider.synced, 'alice synced');

    live.doc.getMap('meta').set('name', 'Second name');
    await eventually(async () => (await h.server.store.getExperiment(id))?.name === 'Second name', 'the first rename to be published');
    // The next publication for this experiment now waits out its gap.
    live.doc.getMap('meta').set('name', 'Third name');
    await live.waitForControl('ack');
    // Closed before the restart, so no reconnect loads the document (which would mend the name).
    live.destroy();

    await h.restart();
    expect((await h.server.store.getExperiment(id))?.name).toBe('Third name');
    expect(errors).toEqual([]);
  });
});
