import { describe, expect, it } from 'vitest';
import type { VNode } from 'preact';
import { AccessRowText, untilWords } from '../../extension/ui/sharing/access-rows.tsx';
import { embargoWords } from '../../extension/ui/sharing/public-section.tsx';
import { accessList } from '../../shared/rules/access.ts';
import { withEnds } from '../../shared/rules/expiry.ts';
import { newSharing } from '../../shared/rules/intents.ts';

/** The text a vnode tree shows, as the dialog row renders it. */
function text(node: unknown): string {
  if (node === null || node === undefined || typeof node === 'boolean') return '';
  if (typeof node === 'string' || typeof node === 'number') return String(node);
  if (Array.isArray(node)) return node.map(text).join('');
  const vnode = node as VNode<{ children?: unknown }>;
  if (typeof vnode.type === 'function') return text((vnode.type as (p: unknown) => unknown)(vnode.props));
  return text(vnode.props.children);
}

describe('the Sharing dialog row of a share that ends', () => {
  const state = newSharing('exp-00000001', 'olivia');
  state.grants['bob'] = { by: 'olivia', at: 1, until: Date.parse('2027-01-31T23:59:59.999Z') };
  state.grants['carol'] = { by: 'olivia', at: 1 };
  const rows = withEnds(accessList(state), state);

  it('says until which day, and nothing for a permanent share or the owner', () => {
    const [owner, bob, carol] = rows;
    expect(text(AccessRowText({ row: bob! }))).toBe('Full access (shared directly) · until 2027-01-31');
    expect(text(AccessRowText({ row: carol! }))).toBe('Full access (shared directly)');
    expect(untilWords(owner!)).toBeNull();
  });
});

describe('the Sharing dialog of an embargoed experiment', () => {
  it('says from when it will be public, and nothing without an embargo', () => {
    expect(embargoWords(Date.parse('2027-01-31T09:00:00Z'))).toBe('Public from 2027-01-31 09:00 UTC');
    expect(embargoWords(null)).toBeNull();
  });
});
