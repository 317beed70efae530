import { describe, expect, it } from 'vitest';
import { buildCorpus, runCase, runFuzz, type CaseResult } from './support/update-fuzz.ts';

/**
 * Byte-mutation fuzz of the update decoder, the inspector and the validated merge (see
 * support/update-fuzz.ts for what is checked). A pinned seed, so a run is the same every time;
 * `npx tsx bench/fuzz-inspector.ts --cases N --seed S` runs many more.
 */
const SEED = 0x5eed_2026;
const CASES = 3_000;

describe('mutated updates against the validated merge', () => {
  it(`${CASES} seeded cases: no throw, and every accepted merge leaves a well-formed document`, async () => {
    const failures: Array<[number, CaseResult]> = [];
    const { accepted } = await runFuzz(SEED, CASES, (i, r) => failures.push([i, r]));
    expect(failures.map(([i, r]) => `case ${i} (${r.seedName}, ${JSON.stringify(r.mutation)}): ${r.failure}`)).toEqual([]);
    // Mutations must not all be refused outright, or the check would prove nothing.
    expect(accepted).toBeGreaterThan(CASES / 20);
  }, 60_000);
});

/**
 * Cases `bench/fuzz-inspector.ts --seed 1` found, each fixed in the inspector; they replay
 * alone through `runCase`.
 */
describe('regressions found by the fuzz', () => {
  const corpus = buildCorpus();
  it.each<[string, number, number]>([
    // A struct the server partly has, whose own parent names another root than the struct
    // Yjs links it after (its author's struct at the server's clock - 1): the document was
    // corrupted and the sharing state lost a key.
    ['a partly known struct with a forged parent', 1, 18867],
    ['a partly known struct with a forged parent (splice)', 1, 22879],
    ['a partly known struct, over a refused sharing write', 1, 31538],
    ['a partly known struct, wrong shape', 1, 96540],
    // An origin or parent later in the author's own run: Yjs looked it up before it existed.
    ['a parent later in its own run', 1, 1485],
    ['an origin later in its own run', 1, 61323],
    ['a parent later in its own run (repeat)', 1, 69959],
    ['an origin later in its own run (second)', 1, 78781],
    ['an origin later in its own run (third)', 1, 90916],
    ['an origin later in its own run (insert)', 1, 93481],
    ['an origin later in its own run (double)', 1, 96728],
    ['a parent later in its own run (double)', 1, 62224],
    // A ContentAny of no values: a struct of length 0, which breaks Yjs' clock lookups.
    ['a struct of length 0', 1, 97371],
  ])('%s (seed %i, case %i)', async (_name, seed, index) => {
    expect((await runCase(corpus, seed, index)).failure).toBeNull();
  });
});
