import { describe, expect, it } from 'vitest';
import { fromExtensionPage, managerUrlFor } from '../../extension/landing-open.ts';

/**
 * The worker's gate for content-script messages: only "open this experiment", only from the
 * landing page of the server the user is signed in to, never any other request.
 */
const root = 'chrome-extension://abcdefghijklmnopabcdefghijklmnop/';
const server = 'http://127.0.0.1:8787';
const landing = `${server}/shared?token=abc`;
const open = { type: 'openShared', id: 'exp-12345678' };

describe('content-script messages', () => {
  it('tells the extension pages from content scripts by the sender URL', () => {
    expect(fromExtensionPage(`${root}popup.html`, root)).toBe(true);
    expect(fromExtensionPage(landing, root)).toBe(false);
    expect(fromExtensionPage(undefined, root)).toBe(false);
    expect(fromExtensionPage(`https://evil.test/${root}`, root)).toBe(false);
  });

  it('opens the manager at the experiment for the landing page of the signed-in server only', () => {
    expect(managerUrlFor(open, landing, server, root)).toBe(`${root}manager.html#exp=exp-12345678`);
    expect(managerUrlFor(open, 'http://127.0.0.1:9999/shared?token=abc', server, root)).toBeNull();
    expect(managerUrlFor(open, 'http://localhost:8787/shared?token=abc', server, root)).toBeNull();
    expect(managerUrlFor(open, `${server}/elsewhere`, server, root)).toBeNull();
    expect(managerUrlFor(open, landing, undefined, root)).toBeNull();
  });

  it('answers no other request, and no malformed id', () => {
    expect(managerUrlFor({ type: 'changePassword', currentPassword: 'a', newPassword: 'bbbbbbbb' }, landing, server, root)).toBeNull();
    expect(managerUrlFor({ type: 'logout' }, landing, server, root)).toBeNull();
    expect(managerUrlFor({ ...open, id: 'x#y' }, landing, server, root)).toBeNull();
    expect(managerUrlFor({ ...open, extra: 1 }, landing, server, root)).toBeNull();
  });
});
