import { browser } from 'wxt/browser';

/**
 * Opens the Experiment Manager, on one experiment when given: in the manager tab already open
 * (its `#exp=` changes, which the page follows), else in a new tab. Finding the open tab needs
 * no `tabs` permission: `runtime.getContexts` lists the extension's own pages. Where it is
 * missing (Firefox), a new tab opens.
 */
export async function openManager(experimentId?: string): Promise<void> {
  const page = new URL('/manager.html', location.href).href;
  const url = page + (experimentId ? `#exp=${experimentId}` : '');
  const open = await managerTab(page).catch(() => null);
  if (open) {
    await browser.tabs.update(open.tabId, { url, active: true });
    await browser.windows.update(open.windowId, { focused: true }).catch(() => {});
  } else {
    await browser.tabs.create({ url });
  }
}

async function managerTab(page: string): Promise<{ tabId: number; windowId: number } | null> {
  const runtime: Partial<Pick<typeof browser.runtime, 'getContexts'>> = browser.runtime;
  if (!runtime.getContexts) return null;
  const contexts = await runtime.getContexts({ contextTypes: ['TAB'] });
  const found = contexts.find((c) => c.documentUrl?.split('#')[0] === page && c.tabId >= 0);
  return found ? { tabId: found.tabId, windowId: found.windowId } : null;
}
