import preact from '@preact/preset-vite';
import type { Plugin } from 'vite';
import { defineConfig } from 'wxt';

/**
 * The popup's stylesheet goes into its HTML: every file an extension page loads is one more
 * request to the browser process (Chromium traces of the popup: its files are asked for together
 * and answered 20–30 ms later under load, the last one a few ms after the first), and the popup
 * paints once its scripts are in. Extension pages' CSP limits scripts, not styles. The manager
 * and settings pages keep the shared file.
 */
function inlinePopupStyles(): Plugin {
  return {
    name: 'cytoshare:inline-popup-styles',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        if (!ctx.bundle || !/[\\/]popup[\\/]index\.html$/.test(ctx.filename)) return html;
        const bundle = ctx.bundle;
        return html.replace(/<link rel="stylesheet"[^>]*href="\/([^"]+\.css)"[^>]*>/g, (tag, file: string) => {
          const asset = bundle[file];
          // The link stays, disabled, which a browser does not fetch: Vite's loader of the popup's
          // later chunks, which wants the stylesheet they were built with, finds it and adds none.
          return asset?.type === 'asset' ? `${tag.replace(/>$/, ' disabled>')}<style>${String(asset.source)}</style>` : tag;
        });
      },
    },
  };
}

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
    plugins: [preact(), inlinePopupStyles()],
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
