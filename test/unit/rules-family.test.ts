import { describe, expect, it } from 'vitest';
import { familyOf, rootOf, wouldCycle } from '../../shared/rules/family.ts';
import { newSharing } from '../../shared/rules/intents.ts';
import type { SharingState } from '../../shared/schemas/entities.ts';

const exp = (id: string, parentId: string | null = null): SharingState => newSharing(id, 'olivia', { parentId });
const mapOf = (states: SharingState[]) => new Map(states.map((s) => [s.id, s]));

/**
 *   exp-root-a1 ─┬─ exp-kid-a01 ── exp-grand-a1
 *                └─ exp-kid-a02 ── exp-grand-a2
 *   exp-alone-b1
 *   exp-orphan01, exp-orphan02 → exp-missing1 (not known)
 *   exp-cyc-one1 ⇄ exp-cyc-two1 (a corrupt loop the walkers must survive)
 */
const experiments = mapOf([
  exp('exp-root-a1'),
  exp('exp-kid-a01', 'exp-root-a1'),
  exp('exp-kid-a02', 'exp-root-a1'),
  exp('exp-grand-a1', 'exp-kid-a01'),
  exp('exp-grand-a2', 'exp-kid-a02'),
  exp('exp-alone-b1'),
  exp('exp-orphan01', 'exp-missing1'),
  exp('exp-orphan02', 'exp-missing1'),
  exp('exp-cyc-one1', 'exp-cyc-two1'),
  exp('exp-cyc-two1', 'exp-cyc-one1'),
]);
const familyA = ['exp-grand-a1', 'exp-grand-a2', 'exp-kid-a01', 'exp-kid-a02', 'exp-root-a1'];

describe('familyOf', () => {
  it.each([
    ['from the root', 'exp-root-a1', familyA],
    ['from a child (parent and sibling included)', 'exp-kid-a01', familyA],
    ['from a grandchild (cousin included)', 'exp-grand-a1', familyA],
    ['an unlinked experiment is its own family', 'exp-alone-b1', ['exp-alone-b1']],
    ['an unknown id is its own family', 'exp-unknown1', ['exp-unknown1']],
    ['siblings under an unknown parent, which is listed', 'exp-orphan01', ['exp-missing1', 'exp-orphan01', 'exp-orphan02']],
    ['a loop terminates', 'exp-cyc-one1', ['exp-cyc-one1', 'exp-cyc-two1']],
  ])('%s', (_name, id, expected) => {
    expect(familyOf(id, experiments)).toStrictEqual(expected);
  });

  it('is the same set from every member', () => {
    expect(familyA.map((id) => familyOf(id, experiments))).toStrictEqual(familyA.map(() => familyA));
  });

  it('an empty map knows only the id itself', () => {
    expect(familyOf('exp-root-a1', new Map())).toStrictEqual(['exp-root-a1']);
  });
});

describe('rootOf', () => {
  it.each([
    ['a root', 'exp-root-a1', 'exp-root-a1'],
    ['a child', 'exp-kid-a02', 'exp-root-a1'],
    ['a grandchild', 'exp-grand-a1', 'exp-root-a1'],
    ['an unlinked experiment', 'exp-alone-b1', 'exp-alone-b1'],
    ['the top-most known ancestor when the parent is unknown', 'exp-orphan01', 'exp-orphan01'],
    ['an unknown id', 'exp-unknown1', 'exp-unknown1'],
  ])('%s', (_name, id, expected) => {
    expect(rootOf(id, experiments)).toBe(expected);
  });

  it('accepts bare parent links', () => {
    const links = new Map<string, { parentId: string | null }>([
      ['exp-node-001', { parentId: 'exp-node-002' }],
      ['exp-node-002', { parentId: 'exp-node-003' }],
      ['exp-node-003', { parentId: null }],
    ]);
    expect(rootOf('exp-node-001', links)).toBe('exp-node-003');
  });

  it('a loop terminates on one of its members', () => {
    expect(['exp-cyc-one1', 'exp-cyc-two1']).toContain(rootOf('exp-cyc-one1', experiments));
  });
});

describe('wouldCycle', () => {
  it.each([
    ['linking to itself', 'exp-root-a1', 'exp-root-a1', true],
    ['linking to its child', 'exp-root-a1', 'exp-kid-a01', true],
    ['linking to its grandchild', 'exp-root-a1', 'exp-grand-a2', true],
    ['a child linking to its own child', 'exp-kid-a01', 'exp-grand-a1', true],
    ['linking to its current parent', 'exp-kid-a01', 'exp-root-a1', false],
    ['linking to a sibling', 'exp-kid-a01', 'exp-kid-a02', false],
    ['linking to a cousin', 'exp-grand-a1', 'exp-grand-a2', false],
    ['linking a root under another family', 'exp-root-a1', 'exp-alone-b1', false],
    ['linking under an unknown parent', 'exp-alone-b1', 'exp-unknown1', false],
    ['linking into an existing loop terminates', 'exp-alone-b1', 'exp-cyc-one1', false],
  ])('%s', (_name, child, parent, expected) => {
    expect(wouldCycle(child, parent, experiments)).toBe(expected);
  });
});
