import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser, type AddressObject } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { eventually, visible } from './support/pages.ts';
import { watchErrors } from './support/session.ts';
import { withExtensionSession } from './support/extension-session.ts';
import type { TestServer } from './support/server.ts';

/**
 * The share mail's link, followed in the recipient's browser: the server's landing page names
 * the experiment, and the extension's content script adds a button that opens the Experiment
 * Manager at it. The test server writes its mail into its outbox folder.
 */
async function landingLinkFor(server: TestServer, recipient: string): Promise<string> {
  let link: string | undefined;
  await eventually(async () => {
    const dir = join(server.dataDir, 'outbox');
    if (!existsSync(dir)) return false;
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.eml'))) {
      const mail = await simpleParser(readFileSync(join(dir, file)));
      if ((mail.to as AddressObject | undefined)?.value[0]?.address !== recipient) continue;
      link = /(http:\/\/\S+\/shared\?token=[A-Za-z0-9_-]+)/.exec(mail.text ?? '')?.[1] ?? link;
    }
    return link !== undefined;
  }, `a share mail to ${recipient}`);
  return link as string;
}

describe('the share landing page in a browser with the extension', () => {
  const session = withExtensionSession({ accounts: ['alice', 'bob'], connections: [['alice', 'bob']], browsers: ['bob'] });

  it("names the experiment and opens it in the Experiment Manager with the extension's button", async () => {
    const alice = await session.server.login('alice');
    const id = 'landing-e2e-1';
    expect(await session.server.intent(alice, { type: 'create', experimentId: id, name: 'CD4 <b>panel</b>' })).toMatchObject({ ok: true });
    expect(await session.server.intent(alice, { type: 'share', experimentId: id, user: 'bob' })).toMatchObject({ ok: true });

    const page = await session.bob.browser.context.newPage();
    const errors = watchErrors(page);
    await page.goto(await landingLinkFor(session.server, 'bob@example.org'));
    expect(await page.locator('body').textContent()).toContain('alice shared the experiment “CD4 <b>panel</b>” with you (bob)');
    const open = page.getByRole('button', { name: 'Open in Cytoshare' });
    await visible(open);
    const [manager] = await Promise.all([session.bob.browser.context.waitForEvent('page'), open.click()]);
    await eventually(async () => manager.url().endsWith(`/manager.html#exp=${id}`), 'the manager at the experiment');
    await eventually(async () => (await manager.getByLabel('Experiment name').inputValue()) === 'CD4 <b>panel</b>', 'the experiment shown');
    expect(errors).toEqual([]);
  });
});
