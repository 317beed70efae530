import { defineBackground } from 'wxt/utils/define-background';
import { startWorker } from '../background/worker.ts';

/** The service worker: wires the client core to the popup and manager page; nothing else. */
export default defineBackground(() => {
  startWorker();
});
