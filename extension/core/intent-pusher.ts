import type { Draft } from './contract.ts';
import type { CytoshareCore } from './core.ts';
import { Coalesced } from '../../shared/coalesced-job.ts';
import { CoreError } from './errors.ts';
import { pushIntents } from './sync-engine.ts';

/**
 * Live mode's intent half: pending intents go over HTTP in creation order as soon as they are
 * recorded. An unreachable server (or an answer this client cannot read) leaves them pending and
 * retries with doubling backoff; it is never a rejection. An auth failure is thrown to `onError`.
 */
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 30_000;

export type IntentPusherHooks = {
  /** True while a push is under way (the status shows "syncing"). */
  onPushing: (pushing: boolean) => void;
  /** The server took the outbox: creations accepted may let edits open their socket. */
  onDelivered: () => void;
  /** The intent being sent now, or null. */
  onSending: (draftId: string | null) => void;
  onError: (error: unknown) => void;
  now: () => number;
};

export class IntentPusher {
  private retryMs = RETRY_MIN_MS;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private readonly job = new Coalesced(() => this.push(), (e) => this.hooks.onError(e));

  constructor(
    private readonly core: CytoshareCore,
    private readonly hooks: IntentPusherHooks,
  ) {}

  /** Pushes now (a pending retry is brought forward); resolves when that push is done. */
  run(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    clearTimeout(this.retryTimer);
    return this.job.run();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
  }

  private async push(): Promise<void> {
    if (this.stopped) return;
    const drafts: Draft[] = await this.core.store.loadDrafts();
    if (!drafts.some((d) => d.kind === 'intent' && d.state === 'pending')) return;
    this.hooks.onPushing(true);
    let reachable: boolean;
    try {
      reachable = await pushIntents(this.core.store, this.core.api(), { onSettled: () => this.core.emit({ type: 'drafts' }), onRemoved: () => {}, onSending: this.hooks.onSending }, this.hooks.now);
    } catch (error) {
      if (error instanceof CoreError && error.kind === 'auth') throw error;
      console.warn('cytoshare: pushing intents failed', error);
      reachable = false;
    } finally {
      this.hooks.onPushing(false);
    }
    if (this.stopped) return;
    if (reachable) {
      this.retryMs = RETRY_MIN_MS;
      this.hooks.onDelivered();
    } else {
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => void this.job.run(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
    }
  }
}
