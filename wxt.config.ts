import preact from '@preact/preset-vite';
import { defineConfig } from 'wxt';

/**
 * The extension build. Entry points live in `extension/entrypoints/` and stay thin: the
 * background worker holds the client core, the popup and the manager page only render and send
 * typed messages (`extension/messages.ts`).
 *
 * Permissions are the least that works: `storage` for the session token, `alarms` to wake the
 * worker for a periodic sync. The extension talks to a local server out of the box; any other
 * server is asked for at sign-in through `optional_host_permissions`.
 */
export default defineConfig({
  srcDir: 'extension',
  entrypointsDir: 'entrypoints',
  publicDir: 'extension/public',
  imports: false,
  manifestVersion: 3,
  vite: () => ({
    plugins: [preact()],
    build: {
      // The pages' HTML still preloads what its first script imports. A dynamic import (the
      // popup's schemas, dialogs and sync details, loaded after its first paint) does not add
      // <link rel=modulepreload> tags for its imports: appending them cost the popup's first
      // frame more than the imports' own load; the browsers we target need no polyfill.
      modulePreload: { polyfill: false, resolveDependencies: (_file, deps, { hostType }) => (hostType === 'html' ? deps : []) },
    },
  }),
  manifest: ({ browser }) => ({
    name: 'Cytoshare',
    description: 'Share cytometry experiments with collaborators, online or offline.',
    permissions: ['storage', 'alarms'],
    host_permissions: ['http://127.0.0.1/*', 'http://localhost/*'],
    optional_host_permissions: ['https://*/*', 'http://*/*'],
    action: { default_title: 'Cytoshare' },
    // The settings page is also the extension's options page (chrome://extensions → Details).
    options_ui: { page: 'settings.html', open_in_tab: true },
    ...(browser === 'firefox'
      ? {
          browser_specific_settings: {
            gecko: {
              id: 'cytoshare@cytoshare.org',
              strict_min_version: '142.0',
              data_collection_permissions: { required: ['none'] },
            },
          },
        }
      : {}),
  }),
});
