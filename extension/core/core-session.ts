import type { AddressState, SessionInfo, WhoAmI } from '../../shared/schemas/api.ts';
import type { Actor, ServerMode } from '../../shared/schemas/entities.ts';
import type { ActionContext } from './actions.ts';
import { Api, type FetchLike } from './api.ts';
import { ConnectionStatus, type Account, type CoreChange } from './contract.ts';
import type { LinkOptions } from './doc-link.ts';
import { notSignedIn } from './errors.ts';
import type { ClientStore, StoredSession } from './store.ts';

/** What a client core is made with: storage, fetch and the WebSocket class are injected (platform-neutral). */
export type CoreOptions = {
  store: ClientStore;
  server: string;
  WebSocketPolyfill?: unknown;
  fetch?: FetchLike;
  now?: () => number;
};

/**
 * The client core's session with its server: signing in and out, the connection status and the
 * change feed, and the account's own settings (password, address, two-step sign-in, mail
 * preference). The replicas, intents and edits build on it in core.ts.
 */
export abstract class CoreSession {
  protected session: StoredSession | null = null;
  private listeners = new Set<(change: CoreChange) => void>();
  protected currentStatus: ConnectionStatus = ConnectionStatus.offline;
  readonly store: ClientStore;
  readonly server: string;
  protected readonly now: () => number;

  protected constructor(protected readonly options: CoreOptions) {
    this.store = options.store;
    this.server = options.server;
    this.now = options.now ?? Date.now;
  }

  get account(): Account | null {
    const s = this.session;
    return s ? { server: s.server, username: s.username, email: s.email, staff: s.staff } : null;
  }

  status(): ConnectionStatus {
    return this.currentStatus;
  }

  setStatus(status: ConnectionStatus): void {
    if (status === this.currentStatus) return;
    this.currentStatus = status;
    this.emit({ type: 'status', status });
  }

  subscribe(listener: (change: CoreChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(change: CoreChange): void {
    for (const listener of this.listeners) listener(change);
  }

  requireSession(): StoredSession {
    if (!this.session) throw notSignedIn();
    return this.session;
  }

  api(): Api {
    return new Api(this.server, this.session?.token ?? null, this.options.fetch);
  }

  linkOptions(): LinkOptions {
    const session = this.requireSession();
    return { server: this.server, token: session.token, WebSocketPolyfill: this.options.WebSocketPolyfill };
  }

  private async startSession(session: Omit<StoredSession, 'mode' | 'server'>): Promise<Account> {
    // The server mode decides which rules apply locally (connections in premium mode).
    let mode: ServerMode = 'premium';
    try {
      mode = (await new Api(this.server, session.token, this.options.fetch).info()).mode;
    } catch {
      // An old server without /api/info: premium is the stricter default.
    }
    this.session = { ...session, server: this.server, mode };
    await this.store.saveSession(this.session);
    await this.store.flush();
    this.setStatus(ConnectionStatus.online);
    return this.account as Account;
  }

  /** `code`: for an account with two-step sign-in (without it the server answers TOTP_REQUIRED, and no session is made). */
  async login(username: string, password: string, code?: string): Promise<Account & { totpEnrolmentRequired: boolean }> {
    const { token, username: user, email, staff, expiresAt, totpEnrolmentRequired } = await this.api().login(username, password, code);
    return { ...(await this.startSession({ token, username: user, email, staff, expiresAt })), totpEnrolmentRequired: totpEnrolmentRequired === true };
  }

  /** Two-step sign-in of the signed-in account (see Api). */
  totp(): Pick<Api, 'totpStatus' | 'totpEnable' | 'totpConfirm' | 'totpDisable'> {
    this.requireSession();
    return this.api();
  }

  /** Reviewer links live on the server alone, as for the CLI's `review-link`. */
  reviewLinks(): Pick<Api, 'createReviewLink' | 'reviewLinks' | 'revokeReviewLink'> {
    this.requireSession();
    return this.api();
  }

  async signup(username: string, email: string, password: string): Promise<Account> {
    const s = await this.api().signup(username, email, password);
    return this.startSession({ token: s.token, username: s.username, email: s.email, staff: s.staff, expiresAt: s.expiresAt });
  }

  async logout(): Promise<void> {
    if (this.session) {
      try {
        await this.api().logout();
      } catch {
        // Forgetting the token locally is what matters; the server expires it anyway.
      }
    }
    this.session = null;
    await this.store.saveSession(null);
    await this.store.flush();
    this.setStatus(ConnectionStatus.signedOut);
  }

  /** Changes the password; the server ends every other session of the account, this one stays. */
  changePassword(currentPassword: string, newPassword: string): Promise<{ endedSessions: number }> {
    this.requireSession();
    return this.api().changePassword(currentPassword, newPassword);
  }
  sessions(): Promise<SessionInfo[]> {
    this.requireSession();
    return this.api().sessions();
  }
  endSessions(which: { id: string } | { others: true }): Promise<{ ended: number }> {
    this.requireSession();
    return this.api().endSessions(which);
  }

  async whoami(): Promise<WhoAmI> {
    this.requireSession();
    const who = await this.api().whoami();
    if (this.session && this.session.mode !== who.mode) {
      this.session = { ...this.session, mode: who.mode, staff: who.staff };
      await this.store.saveSession(this.session);
    }
    return who;
  }

  protected actor(): Actor {
    const s = this.requireSession();
    return { username: s.username, staff: s.staff };
  }

  protected ctx(): ActionContext {
    return { store: this.store, actor: this.actor(), mode: this.requireSession().mode, now: this.now };
  }

  /** Proves the account's pending address with the mailed code; the session shows the address from then on. */
  async verifyEmail(code: string): Promise<AddressState> {
    this.requireSession();
    const state = await this.api().verifyEmail(code);
    await this.rememberEmail(state.email);
    return state;
  }
  /** Asks for a new address: a code goes there; the address in force stays until it comes back. */
  changeEmail(email: string): Promise<AddressState> {
    this.requireSession();
    return this.api().changeEmail(email);
  }
  private async rememberEmail(email: string): Promise<void> {
    if (!this.session || this.session.email === email) return;
    this.session = { ...this.session, email };
    await this.store.saveSession(this.session);
    await this.store.flush();
  }
  /** Whether the server mails this user when something is shared with them. */
  setShareEmails(on: boolean): Promise<{ shareEmails: boolean }> {
    this.requireSession();
    return this.api().setPreferences({ shareEmails: on });
  }
}
