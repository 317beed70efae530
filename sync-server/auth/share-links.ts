import { z } from 'zod';
import { ExperimentId, Username } from '../../shared/schemas/entities.ts';
import { randomBytes } from 'node:crypto';
import { KEY_BYTES, loadKeyFile, seal, unseal } from './sealed-key.ts';
import type { Store } from '../store/store.ts';

/**
 * The link of a share mail: a token that names one experiment, its recipient and who shared it,
 * good until it expires. It is sealed (AES-256-GCM) with a key kept in the data folder, so it is
 * stored nowhere, cannot be forged or altered (a guessed or edited token fails authentication,
 * and reveals nothing, not even which experiment it names), and is opaque to whoever sees the
 * URL in a proxy log. Whoever holds it learns only what the mail itself said (the experiment's
 * name and the sharer); the landing page also checks that the recipient can still read the
 * experiment, so an unshared or trashed one shows nothing.
 */
export const ShareLinkPayload = z.strictObject({
  /** The experiment. */
  e: ExperimentId,
  /** The recipient. */
  r: Username,
  /** Who shared it. */
  s: Username,
  /** Expires at (epoch ms). */
  x: z.number().int().positive(),
});
export type ShareLink = { experimentId: string; recipient: string; sharer: string; expiresAt: number };

const KEY_FILE = 'share-links.key';
/** Far above a real token (about 170 characters); a longer one is not even decoded. */
const MAX_TOKEN_CHARS = 512;

export type ShareLinks = {
  mint(link: Omit<ShareLink, 'expiresAt'>, now?: number): string;
  /** The link a token names, or null for a forged, altered, malformed or expired one. */
  open(token: string, now?: number): ShareLink | null;
};

/** Deleting the key file voids every link ever mailed. */
export function loadShareLinkKey(dataDir: string): Buffer {
  return loadKeyFile(dataDir, KEY_FILE, 'share-link');
}

/**
 * The key of server nodes sharing a database: kept in the database (made by the first node that
 * asks), since each node has a data folder of its own and a link minted by one may be opened
 * through another.
 */
export async function loadSharedShareLinkKey(store: Pick<Store, 'sharedSecret'>): Promise<Buffer> {
  const key = Buffer.from(await store.sharedSecret('share-links', randomBytes(KEY_BYTES).toString('base64')), 'base64');
  if (key.length !== KEY_BYTES) throw new Error(`the database's share-link key has ${key.length} bytes, not ${KEY_BYTES}`);
  return key;
}

export function shareLinks(key: Buffer, ttlMs: number): ShareLinks {
  return {
    mint({ experimentId, recipient, sharer }, now = Date.now()) {
      const payload: z.infer<typeof ShareLinkPayload> = { e: experimentId, r: recipient, s: sharer, x: now + ttlMs };
      return seal(key, JSON.stringify(payload)).toString('base64url');
    },
    open(token, now = Date.now()) {
      if (token.length > MAX_TOKEN_CHARS || !/^[A-Za-z0-9_-]+$/.test(token)) return null;
      const plain = unseal(key, Buffer.from(token, 'base64url'));
      if (plain === null) return null;
      const text = plain.toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        return null;
      }
      const parsed = ShareLinkPayload.safeParse(json);
      if (!parsed.success || parsed.data.x <= now) return null;
      return { experimentId: parsed.data.e, recipient: parsed.data.r, sharer: parsed.data.s, expiresAt: parsed.data.x };
    },
  };
}
