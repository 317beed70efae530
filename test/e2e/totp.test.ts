import { describe, expect, it } from 'vitest';
import { codeAt } from '../../sync-server/auth/totp.ts';
import { seriousViolations } from './support/axe.ts';
import { visible } from './support/pages.ts';
import { withExtensionSession } from './support/extension-session.ts';
import { PASSWORD } from './support/server.ts';

/**
 * Two-step sign-in in the built extension: set up on the settings page (secret and otpauth URI
 * shown to copy, a first code, recovery codes shown once), then signing in through the popup,
 * whose form asks for the code only after the server answered TOTP_REQUIRED.
 */
const STEP_MS = 30_000;

describe('two-step sign-in in the extension', () => {
  const session = withExtensionSession({ accounts: ['alice'], browsers: ['alice'] });
  let secret = '';

  it('is set up on the settings page: secret and URI to copy, a first code, recovery codes once', async () => {
    const settings = await session.alice.browser.open('settings.html');
    await visible(settings.getByTestId('totp-status'));
    expect(await settings.getByTestId('totp-status').textContent()).toMatch(/^Off/);
    const setUp = settings.getByRole('form', { name: 'Turn on two-step sign-in' });
    await setUp.getByLabel('Password').fill(PASSWORD);
    await setUp.getByRole('button', { name: 'Set up two-step sign-in' }).click();
    const confirm = settings.getByRole('form', { name: 'Confirm two-step sign-in' });
    await visible(confirm);
    secret = await settings.getByTestId('totp-secret').inputValue();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(await settings.getByTestId('totp-uri').inputValue()).toMatch(new RegExp(`^otpauth://totp/Cytoshare:alice\\?.*secret=${secret}`));
    await confirm.getByLabel('Code from the app').fill('000000');
    await confirm.getByRole('button', { name: 'Turn on' }).click();
    await visible(settings.getByRole('alert').filter({ hasText: 'That code is wrong' }));
    await confirm.getByLabel('Code from the app').fill(codeAt(secret, Date.now()));
    await confirm.getByRole('button', { name: 'Turn on' }).click();
    await visible(settings.getByTestId('totp-recovery-codes'));
    expect((await settings.getByTestId('totp-recovery-codes').textContent())?.split('\n')).toHaveLength(10);
    await visible(settings.getByTestId('totp-status').filter({ hasText: /^On/ }));
    // The secret is not shown any more.
    expect(await settings.getByTestId('totp-secret').count()).toBe(0);
    expect(await seriousViolations(settings)).toEqual([]);
    await settings.getByRole('button', { name: 'Sign out' }).click();
    await settings.close();
  });

  it('signs in through the popup with a code field shown once the password was right', async () => {
    const popup = await session.alice.popup();
    const form = popup.page.getByRole('form', { name: 'Sign in' });
    await form.getByLabel('Server').fill(session.server.url);
    await form.getByLabel('Username').fill('alice');
    await form.getByLabel('Password').fill(PASSWORD);
    expect(await form.getByLabel(/Code from your authenticator app/).count()).toBe(0);
    await form.getByRole('button', { name: 'Sign in' }).click();
    const code = form.getByLabel(/Code from your authenticator app/);
    await visible(code);
    expect(await popup.page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
    // The next step's code: the one that confirmed the app is used.
    await code.fill(codeAt(secret, Date.now() + STEP_MS));
    await form.getByRole('button', { name: 'Sign in' }).click();
    await visible(popup.page.getByRole('button', { name: 'Sign out' }));
    expect(await seriousViolations(popup.page)).toEqual([]);
  });
});
