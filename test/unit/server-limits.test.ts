import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, limitsFrom, ServerLimitsSchema } from '../../sync-server/limits.ts';

describe('server limits (--limit NAME=VALUE)', () => {
  it('the defaults satisfy their own schema', () => {
    expect(ServerLimitsSchema.safeParse(DEFAULT_LIMITS).success).toBe(true);
  });

  it('sets the named limits and keeps every other default', () => {
    const limits = limitsFrom(['uploadBytes=1000', 'socketsPerAccount=5']);
    expect(limits.uploadBytes).toBe(1000);
    expect(limits.socketsPerAccount).toBe(5);
    expect({ ...limits, uploadBytes: DEFAULT_LIMITS.uploadBytes, socketsPerAccount: DEFAULT_LIMITS.socketsPerAccount }).toEqual(DEFAULT_LIMITS);
  });

  it.each([
    ['an unknown name', 'noSuchLimit=1', /unknown limit "noSuchLimit"/],
    ['a pair without a value', 'uploadBytes', /unknown limit "uploadBytes"/],
    ['a value that is not a whole number', 'uploadBytes=1.5', /whole number/],
    ['a value below the bound', 'socketsPerAccount=0', /bad limit socketsPerAccount/],
    ['a name from the prototype', 'toString=1', /unknown limit/],
  ])('refuses %s', (_what, pair, message) => {
    expect(() => limitsFrom([pair])).toThrow(message);
  });
});
