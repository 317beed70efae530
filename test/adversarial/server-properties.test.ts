import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../integration/support/harness.ts';
import { EDIT_FIELDS, hostileKinds, KNOWN_HOLES, type Command, type Hole } from './support/property-commands.ts';
import { makeAccounts, Scenario } from './support/scenario.ts';
import { exercised, type Accounts } from './support/scenario-state.ts';
import { DOCS, USERS, type ModelIntent, type User } from './support/sharing-model.ts';

/**
 * The whole server under seeded random command sequences: honest edits, hostile updates,
 * sharing intents, joins, leaves and revocations by five accounts (alice owns, bob
 * collaborates, carol reads what is public, pat is a restricted project member, mallory is a
 * stranger). After every step (see `Scenario.checkAll`):
 *  (a) storage holds the model's sharing state, only valid content, and no refused value;
 *  (b) every reader's replica equals the server's copy of what it may read;
 *  (c) a non-reader received nothing but its refusal, nobody received anything after being
 *      cut off, and no refused value reached any socket.
 *
 * CI runs the pinned seed; `PROPERTY_SEED=… PROPERTY_RUNS=… PROPERTY_COMMANDS=…` explore
 * further locally. A failing seed found that way is pinned below as a literal regression.
 */
const SEED = Number(process.env.PROPERTY_SEED ?? 20261203);
const RUNS = Number(process.env.PROPERTY_RUNS ?? 25);
const COMMANDS = Number(process.env.PROPERTY_COMMANDS ?? 20);
const LONG_RUN = process.env.PROPERTY_RUNS !== undefined || process.env.PROPERTY_COMMANDS !== undefined;

const user = fc.constantFrom<User>(...USERS);
const doc = fc.constantFrom(...DOCS);
const actor = fc.oneof({ arbitrary: fc.constant<User>('alice'), weight: 4 }, { arbitrary: fc.constant<User>('bob'), weight: 2 }, { arbitrary: user, weight: 2 });
const other = fc.constantFrom<Exclude<User, 'alice'>>('bob', 'carol', 'pat', 'mallory');
/** Bob holds a grant on E from the start, so favouring him makes unshares (revocations) land. */
const grantee = fc.oneof({ arbitrary: fc.constant<User>('bob'), weight: 4 }, { arbitrary: other, weight: 4 }, { arbitrary: fc.constant<User>('alice'), weight: 1 });

const intent: fc.Arbitrary<ModelIntent> = fc.oneof(
  { arbitrary: fc.record({ type: fc.constantFrom('share' as const, 'unshare' as const), actor, doc, user: grantee }), weight: 5 },
  { arbitrary: fc.record({ type: fc.constantFrom('publish' as const, 'unpublish' as const, 'trash' as const, 'restore' as const, 'move-in' as const, 'move-out' as const), actor, doc }), weight: 4 },
  { arbitrary: fc.record({ type: fc.constantFrom('link' as const, 'unlink' as const), actor }), weight: 1 },
  { arbitrary: fc.record({ type: fc.constantFrom('member-add' as const, 'member-remove' as const), actor, user: other }), weight: 1 },
);


const command: fc.Arbitrary<Command> = fc.oneof(
  { arbitrary: fc.record({ t: fc.constant('join' as const), user, doc }), weight: 5 },
  { arbitrary: fc.record({ t: fc.constant('leave' as const), user, doc }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('edit' as const), user, doc, field: fc.constantFrom(...EDIT_FIELDS), n: fc.nat(1_000) }), weight: 6 },
  {
    arbitrary: fc.record({
      t: fc.constant('hostile' as const),
      user,
      doc,
      kind: fc.constantFrom(...hostileKinds()),
      n: fc.nat(1_000),
      bytes: fc.array(fc.nat(255), { maxLength: 48 }),
    }),
    weight: 4,
  },
  { arbitrary: fc.record({ t: fc.constant('intent' as const), intent }), weight: 5 },
  { arbitrary: fc.record({ t: fc.constant('revoke' as const), n: fc.nat(20) }), weight: 2 },
);

let h: Harness;
let accounts: Accounts;
/** The scenario's sockets use a sync step 1 round trip as a barrier after every command: answer each one. */
const BARRIER_LIMITS = { limits: { syncStep1IntervalMs: 0 } };
beforeAll(async () => {
  h = await startHarness(BARRIER_LIMITS);
  accounts = await makeAccounts(h);
});
afterAll(async () => {
  await h?.stop();
});

async function replay(commands: Command[]): Promise<void> {
  const scenario = await Scenario.start(h, accounts);
  await scenario.run(commands);
}

describe('the server under random commands keeps its rules, its readers in step and its secrets', () => {
  it(
    `seed ${SEED}: ${RUNS} runs of up to ${COMMANDS} commands`,
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(command, { minLength: Math.min(5, COMMANDS), maxLength: COMMANDS, size: 'max' }), async (commands) => {
          await replay(commands);
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: !LONG_RUN, verbose: 1 },
      );
      console.log(`exercised: ${JSON.stringify(Object.fromEntries(Object.entries(exercised).sort()))}`);
    },
    LONG_RUN ? 3_600_000 : 60_000,
  );

  // Found by PROPERTY_SEED=2 PROPERTY_RUNS=150 (after 112 runs, shrunk while flaky): carol, a
  // public reader, forges a write under alice's client id; the server answers refused, closing
  // and a 4409 close, as it should. The suite then reported the socket as silent with no close
  // event: it read the close event right after the round trip failed, when the socket was most
  // likely already CLOSING but the event had not fired (the machine was loaded: a soak ran).
  // Not a server bug, and timing-dependent (four replays without the fix passed): the check now
  // waits, bounded, for the close event. Kept to replay that sequence.
  it('regression: seed 2 — forged id by a public reader, close event after the failed round trip', async () => {
    const commands: Command[] = [
      { t: 'hostile', user: 'carol', doc: 'E', kind: 'files-write', n: 653, bytes: [47] },
      { t: 'edit', user: 'alice', doc: 'E', field: 'purpose', n: 298 },
      { t: 'hostile', user: 'carol', doc: 'E', kind: 'sharing-write', n: 115, bytes: [15, 230] },
      { t: 'edit', user: 'pat', doc: 'P', field: 'purpose', n: 994 },
      { t: 'intent', intent: { type: 'share', actor: 'alice', doc: 'E', user: 'bob' } },
      { t: 'join', user: 'bob', doc: 'E' },
      { t: 'hostile', user: 'carol', doc: 'E', kind: 'forged-id', n: 217, bytes: [54] },
      { t: 'join', user: 'carol', doc: 'P' },
      { t: 'edit', user: 'carol', doc: 'P', field: 'gate', n: 75 },
      { t: 'edit', user: 'pat', doc: 'E', field: 'name', n: 930 },
      { t: 'join', user: 'carol', doc: 'E' },
      { t: 'join', user: 'alice', doc: 'P' },
      { t: 'edit', user: 'pat', doc: 'P', field: 'gate', n: 734 },
    ];
    await expect(replay(commands)).resolves.toBeUndefined();
  });

  // The server refused a nested type under meta.purpose, then refused the write inside it as
  // malformed without a reset: the author's replica kept both structs, so its next honest edit
  // left a gap and was reset. Now the write inside is refused with a reset at once.
  it('regression: seed 20261203 — a write inside a refused nested type resets at once; the next edit goes through', async () => {
    const commands: Command[] = [
      { t: 'join', user: 'bob', doc: 'E' },
      { t: 'hostile', user: 'bob', doc: 'E', kind: 'nested', n: 403, bytes: [] },
      { t: 'edit', user: 'bob', doc: 'E', field: 'gate', n: 490 },
    ];
    await expect(replay(commands)).resolves.toBeUndefined();
  });

  it('a revoked reader, a stranger and a forged id in one sequence (hand-written smoke)', async () => {
    const commands: Command[] = [
      { t: 'join', user: 'bob', doc: 'E' },
      { t: 'join', user: 'carol', doc: 'E' },
      { t: 'join', user: 'mallory', doc: 'E' },
      { t: 'edit', user: 'bob', doc: 'E', field: 'tag', n: 1 },
      { t: 'edit', user: 'carol', doc: 'E', field: 'name', n: 2 },
      { t: 'hostile', user: 'carol', doc: 'E', kind: 'forged-id', n: 3, bytes: [] },
      { t: 'hostile', user: 'bob', doc: 'E', kind: 'sharing-write', n: 4, bytes: [] },
      { t: 'intent', intent: { type: 'unshare', actor: 'alice', doc: 'E', user: 'bob' } },
      { t: 'join', user: 'alice', doc: 'E' },
      { t: 'edit', user: 'alice', doc: 'E', field: 'gate', n: 5 },
      { t: 'intent', intent: { type: 'trash', actor: 'alice', doc: 'E' } },
      { t: 'edit', user: 'alice', doc: 'E', field: 'name', n: 6 },
    ];
    await expect(replay(commands)).resolves.toBeUndefined();
  });
});

/**
 * The known holes (see KNOWN_HOLES in support/scenario.ts), each as the smallest command list
 * that shows it, replayed with every check on against a fresh server (a hole such as a GC
 * struct in the catalog would otherwise spoil the shared server for later runs). While a
 * hole's flag is false its test is expected to fail; once the fix is merged, set the flag and
 * the test must pass.
 */
describe('holes found by the attacker, pinned (each test replays the attack and must find it refused)', () => {
  const cases: Array<[Hole, string, Command[]]> = [
    [
      'multiValue',
      // Alice writes one tag item holding ["HIDDEN 1", "ok 1"]: the rules check "ok 1" only, and
      // the stored update and bob's relay both carry "HIDDEN 1".
      'a two-value ContentAny write stores and relays its hidden first value',
      [
        { t: 'join', user: 'bob', doc: 'E' },
        { t: 'hostile', user: 'alice', doc: 'E', kind: 'multi-value', n: 1, bytes: [] },
      ],
    ],
    [
      'gcPlaceholder',
      // A GC struct under a fresh client id is "void" to the inspector, so it is judged
      // harmless and stored in the catalog, a document only the server writes.
      'a GC struct sent to the catalog is stored there',
      [{ t: 'hostile', user: 'carol', doc: 'E', kind: 'gc-into-catalog', n: 0, bytes: [] }],
    ],
    [
      'serverClientId',
      // Bob, a collaborator, writes a tag under the client id the server wrote E's sharing map
      // with; nobody owns that id in the registry, so bob claims it and the write is stored.
      "a write under the server's own client id is accepted",
      [{ t: 'hostile', user: 'bob', doc: 'E', kind: 'forged-server-id', n: 2, bytes: [] }],
    ],
    [
      'awarenessGarbage',
      // Carol (a public reader) sends an awareness message whose body is not an awareness
      // update; bob receives it byte for byte.
      'awareness garbage from a reader is relayed to the other readers',
      [
        { t: 'join', user: 'bob', doc: 'E' },
        { t: 'hostile', user: 'carol', doc: 'E', kind: 'awareness-garbage', n: 1, bytes: [1, 2, 3] },
      ],
    ],
    [
      'refusedRootNames',
      // Carol's refused write to the root "annotations" is reverted, but its tombstone keeps the
      // root name in the stored document.
      'a refused write to an unknown root leaves the root name in storage',
      [{ t: 'hostile', user: 'carol', doc: 'E', kind: 'unknown-root', n: 3, bytes: [] }],
    ],
  ];
  for (const [hole, title, commands] of cases) {
    (KNOWN_HOLES[hole] ? it : it.fails)(`regression (${hole}): ${title}`, async () => {
      const fresh = await startHarness(BARRIER_LIMITS);
      try {
        const scenario = await Scenario.start(fresh, await makeAccounts(fresh), { strict: true });
        await scenario.run(commands);
      } finally {
        await fresh.stop();
      }
    });
  }
});
