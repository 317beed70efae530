import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { join } from 'node:path';

/**
 * A 256-bit key kept in a file of the data folder, and AES-256-GCM sealing with it: how share
 * links and TOTP secrets are kept opaque to whoever holds only the database (or a URL).
 */
export const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * The key is made once per data folder (0600, like the outbox) and read at every start, so
 * several server processes on one data folder, and `cytoshare admin`, agree on it.
 */
export function loadKeyFile(dataDir: string, name: string, what: string): Buffer {
  const path = join(dataDir, name);
  try {
    const fd = openSync(path, 'wx', 0o600);
    try {
      writeSync(fd, randomBytes(KEY_BYTES));
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const key = readFileSync(path);
  if (key.length !== KEY_BYTES) throw new Error(`${path} is not a ${what} key (${key.length} bytes); delete it to make a new one (${what}s sealed with it stop working)`);
  return key;
}

/** IV, ciphertext and tag, in one buffer. */
export function seal(key: Buffer, plain: Buffer | string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const sealed = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([iv, sealed, cipher.getAuthTag()]);
}

/** The plain bytes, or null for anything forged, altered or sealed with another key. */
export function unseal(key: Buffer, bytes: Buffer): Buffer | null {
  if (bytes.length <= IV_BYTES + TAG_BYTES) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]);
  } catch {
    return null;
  }
}
