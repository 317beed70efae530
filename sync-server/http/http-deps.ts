import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerMode } from '../../shared/schemas/entities.ts';
import type { EmailProofs } from '../auth/email-proof.ts';
import type { HashQueue } from '../auth/hash-queue.ts';
import type { LoginThrottle } from '../auth/login-throttle.ts';
import type { ShareLinks } from '../auth/share-links.ts';
import type { SignupThrottle } from '../auth/signup-throttle.ts';
import type { SlidingWindow } from '../auth/sliding-window.ts';
import type { Connections } from '../effects/connections.ts';
import type { Groups } from '../effects/group-effects.ts';
import type { Transfers } from '../effects/transfers.ts';
import type { IntentExecutor } from '../intents/intent-executor.ts';
import type { ServerLimits } from '../limits.ts';
import type { Logger } from '../log.ts';
import type { SocketDirectory } from '../sync/socket-directory.ts';
import type { FileDeps } from './file-routes.ts';

/** What every route may use (routes.ts and the account and TOTP routes it dispatches to). */
export type HttpDeps = FileDeps & {
  intents: IntentExecutor;
  groups: Groups;
  transfers: Transfers;
  connections: Connections;
  proofs: EmailProofs;
  log: Logger;
  limits: ServerLimits;
  mode: () => ServerMode;
  /** Open document sockets, to close those of a session or account that ends. */
  sockets: SocketDirectory;
  /** Delays after failed logins, decided before any password is hashed. */
  throttle: LoginThrottle;
  /** Sign-ups per client address per hour. */
  signups: SignupThrottle;
  /** Views of each reviewer link's page per minute (limits.reviewPagesPerLinkPerMinute). */
  reviewViews: SlidingWindow;
  /** The one queue every password hash waits in. */
  hashes: HashQueue;
  /** The server's address as people reach it, for links it hands out. */
  publicUrl: () => string;
  /** Opens the sealed links of share mails. */
  shareLinks: ShareLinks;
  /** Seals the TOTP secrets at rest (the data folder's `totp.key`). */
  totpKey: Buffer;
};

/** A route of routes.ts's table (and the account and TOTP tables it spreads in), keyed `'METHOD /path'`. */
export type HttpRoute = (req: IncomingMessage, res: ServerResponse, deps: HttpDeps) => Promise<void>;
