import { browser } from 'wxt/browser';

/** The toolbar badge shows how many direct shares wait in the Inbox; nothing when none. */
export async function showInboxCount(count: number): Promise<void> {
  await browser.action.setBadgeBackgroundColor({ color: '#0d6e6e' });
  await browser.action.setBadgeText({ text: count > 0 ? String(Math.min(count, 999)) : '' });
  await browser.action.setTitle({ title: count > 0 ? `Cytoshare — ${count} new shared with you` : 'Cytoshare' });
}
