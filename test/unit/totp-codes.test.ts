import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codeAt, loadTotpKey, matchingStep, newRecoveryCodes, newTotpSecret, openSecret, sealSecret, stepAt, useCode } from '../../sync-server/auth/totp.ts';
import { openSqliteStore } from '../../sync-server/store/sqlite-store.ts';
import type { Store } from '../../sync-server/store/store.ts';

/** TOTP checks with a fixed clock: the ±1 step window, no replay of a step, recovery codes used once. */
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const STEP_MS = 30_000;

describe('matchingStep', () => {
  const { secret } = newTotpSecret('alice');
  it('accepts the code of the current step and of one step either side, nothing further', () => {
    expect(matchingStep(secret, codeAt(secret, T0), T0)).toBe(stepAt(T0));
    expect(matchingStep(secret, codeAt(secret, T0 - STEP_MS), T0)).toBe(stepAt(T0) - 1);
    expect(matchingStep(secret, codeAt(secret, T0 + STEP_MS), T0)).toBe(stepAt(T0) + 1);
    expect(matchingStep(secret, codeAt(secret, T0 - 2 * STEP_MS), T0)).toBeNull();
    expect(matchingStep(secret, codeAt(secret, T0 + 2 * STEP_MS), T0)).toBeNull();
  });
  it('takes a code typed with a space or dash, refuses anything not six digits', () => {
    const code = codeAt(secret, T0);
    expect(matchingStep(secret, `${code.slice(0, 3)} ${code.slice(3)}`, T0)).toBe(stepAt(T0));
    expect(matchingStep(secret, code.slice(1), T0)).toBeNull();
    expect(matchingStep(secret, 'abcdef', T0)).toBeNull();
  });
  it('the otpauth URI names the issuer and account and carries SHA-1, 6 digits, 30 s', () => {
    const { uri, secret: s } = newTotpSecret('alice');
    expect(uri).toMatch(/^otpauth:\/\/totp\/Cytoshare:alice\?/);
    expect(uri).toContain(`secret=${s}`);
    expect(uri).toContain('algorithm=SHA1');
    expect(uri).toContain('digits=6');
    expect(uri).toContain('period=30');
  });
});

describe('useCode against the store', () => {
  let dir: string;
  let store: Store;
  let key: Buffer;
  let secret: string;
  let recovery: string[];
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cytoshare-totp-'));
    store = openSqliteStore(dir);
    key = loadTotpKey(dir);
    await store.addUser({ username: 'alice', email: 'alice@lab.test', passwordHash: 'x', staff: false, createdAt: T0 });
    secret = newTotpSecret('alice').secret;
    expect(await store.startTotp('alice', sealSecret(key, secret), T0)).toBe(true);
    const codes = newRecoveryCodes();
    recovery = codes.codes;
    expect(await store.confirmTotp('alice', stepAt(T0), codes.hashes, T0)).toBe(true);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the secret sealed: the stored bytes do not hold it, and another key cannot open them', async () => {
    const record = await store.totpOf('alice');
    expect(Buffer.from(record!.sealedSecret).toString('latin1')).not.toContain(secret);
    expect(openSecret(key, record!.sealedSecret)).toBe(secret);
    expect(openSecret(Buffer.alloc(32, 7), record!.sealedSecret)).toBeNull();
  });

  it('refuses a code of a step already used (replay), and any step before it', async () => {
    const later = T0 + STEP_MS;
    // The confirming step was used: its code is refused even though it is within the window.
    expect(await useCode(store, key, 'alice', codeAt(secret, T0), later)).toBeNull();
    expect(await useCode(store, key, 'alice', codeAt(secret, later), later)).toBe('app');
    expect(await useCode(store, key, 'alice', codeAt(secret, later), later)).toBeNull();
    expect(await useCode(store, key, 'alice', codeAt(secret, later + STEP_MS), later + STEP_MS)).toBe('app');
  });

  it('takes each recovery code once, in any case and with or without its dash', async () => {
    expect(recovery).toHaveLength(10);
    expect(new Set(recovery).size).toBe(10);
    const [first, second] = recovery as [string, string];
    expect(await useCode(store, key, 'alice', first, T0)).toBe('recovery');
    expect(await useCode(store, key, 'alice', first, T0)).toBeNull();
    expect(await useCode(store, key, 'alice', second.toUpperCase().replace('-', ''), T0)).toBe('recovery');
    expect((await store.totpOf('alice'))!.recoveryCodesLeft).toBe(8);
    expect(await useCode(store, key, 'alice', 'aaaaa-aaaaa', T0)).toBeNull();
  });

  it('takes no code of an account whose secret waits for its first code', async () => {
    await store.deleteTotp('alice');
    expect(await store.startTotp('alice', sealSecret(key, secret), T0)).toBe(true);
    expect(await useCode(store, key, 'alice', codeAt(secret, T0), T0)).toBeNull();
  });
});
