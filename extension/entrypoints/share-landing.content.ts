import { browser } from 'wxt/browser';
import { defineContentScript } from 'wxt/utils/define-content-script';
import { OPEN_MARKER_ID, OpenShared } from '../landing-open.ts';

/**
 * On the sync server's share landing page, turns the "how to open it" paragraph into a button
 * that opens the Experiment Manager at the experiment. The page itself runs no script (its CSP
 * forbids any); this runs in the extension's isolated world. Servers on this machine only: the
 * extension holds no standing permission for other hosts.
 */
export default defineContentScript({
  matches: ['http://127.0.0.1/shared*', 'http://localhost/shared*'],
  runAt: 'document_end',
  main() {
    const marker = document.getElementById(OPEN_MARKER_ID);
    const message = OpenShared.safeParse({ type: 'openShared', id: marker?.dataset.experiment });
    if (!marker || !message.success) return;
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = 'Open in Cytoshare';
    button.addEventListener('click', () => void browser.runtime.sendMessage(message.data));
    const note = document.createElement('p');
    note.textContent = 'Opens the Experiment Manager of your Cytoshare extension at this experiment.';
    marker.replaceChildren(button);
    marker.after(note);
  },
});
