import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchExtension, type ExtensionBrowser } from './support/browser.ts';

describe('the built extension', () => {
  let browser: ExtensionBrowser;
  beforeAll(async () => {
    browser = await launchExtension();
  });
  afterAll(async () => {
    await browser?.dispose();
  });

  it('loads in Chromium and opens its popup and manager pages', async () => {
    expect(browser.extensionId).toMatch(/^[a-p]{32}$/);
    const popup = await browser.open('popup.html');
    await expect(popup.title()).resolves.toBe('Cytoshare');
    const manager = await browser.open('manager.html');
    await expect(manager.title()).resolves.toContain('Experiment Manager');
  });
});
