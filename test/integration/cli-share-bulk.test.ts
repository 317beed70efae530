import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, cli, world, type World } from './cli-helpers.ts';

type Verdict = { row: number; experiment: string; user: string; ok: boolean; code: string | null };
type Row = { id: string; name: string };

describe('cytoshare share: several users, a CSV file, a dry run', () => {
  let w: World;
  let files = 0;
  const make = async (user: string, name: string) => (await w.as(user, ['exp', 'create', name])).json.id as string;
  const csv = async (text: string) => {
    const path = join(w.root, `rows-${++files}.csv`);
    await writeFile(path, text);
    return path;
  };
  /** Who has access to the experiment, as its owner sees it. */
  const access = async (owner: string, id: string) => ((await w.as(owner, ['exp', 'show', id])).json.access as Array<{ user: string }>).map((a) => a.user).sort();
  const shared = async (user: string) => ((await w.as(user, ['exp', 'list', '--filter', 'shared'])).json as Row[]).map((r) => r.name).sort();
  const verdicts = (json: Verdict[]) => json.map((v) => [v.row, v.user, v.ok, v.code]);

  beforeAll(async () => {
    w = await world(['alice', 'bob', 'carol', 'dave', 'erin']);
    for (const user of ['alice', 'bob', 'carol', 'dave', 'erin']) expect((await w.login(user)).code).toBe(0);
  });
  afterAll(async () => cleanup(w));

  it('gives every row of a mixed file a verdict, applies the accepted ones (linked ones cascade) and exits 3', async () => {
    const parent = await make('alice', 'Mixed parent');
    const child = await make('alice', 'Mixed child');
    expect((await w.as('alice', ['link', child, '--parent', parent])).code).toBe(0);
    const other = await make('alice', 'Mixed other');
    const hidden = await make('dave', 'Dave private');
    // A byte-order mark, CRLF line ends, a blank line, a quoted cell, a row without its role.
    const file = await csv(
      [
        '\uFEFFexperiment,user,role',
        `${parent},bob`,
        '',
        `${other},"carol@lab.example",full`,
        `${other},nobody-here,full`,
        `${parent},carol,editor`,
        `${parent},alice,`,
        `${hidden},bob,full`,
        '',
      ].join('\r\n'),
    );
    const run = await w.as('alice', ['share', '--from', file]);
    expect(run.code).toBe(3);
    expect(verdicts(run.json)).toEqual([
      [2, 'bob', true, null],
      [4, 'carol@lab.example', true, null],
      [5, 'nobody-here', false, 'NOT_CONNECTED'],
      [6, 'carol', false, 'UNKNOWN_ROLE'],
      [7, 'alice', false, 'CANNOT_SHARE_WITH_OWNER'],
      [8, 'bob', false, 'UNKNOWN_EXPERIMENT'],
    ]);
    expect(run.stderr).toMatch(/error UNKNOWN_ROLE: line 6/);
    expect(await shared('bob')).toEqual(['Mixed child', 'Mixed parent']);
    expect(await shared('carol')).toEqual(['Mixed other']);
    expect(await access('alice', parent)).toEqual(['alice', 'bob']);
    expect(await access('dave', hidden)).toEqual(['dave']);
  });

  it('a dry run gives the verdicts the real run then gets, and changes nothing', async () => {
    const first = await make('alice', 'Dry first');
    const second = await make('alice', 'Dry second');
    const hidden = await make('dave', 'Dave hidden');
    const file = await csv(`${first},erin\n${second},erin\n${second},nobody-here\n${hidden},erin\n`);
    const dry = await w.as('alice', ['share', '--from', file, '--dry-run']);
    expect(dry.code).toBe(3);
    expect(verdicts(dry.json)).toEqual([
      [1, 'erin', true, null],
      [2, 'erin', true, null],
      [3, 'nobody-here', false, 'NOT_CONNECTED'],
      [4, 'erin', false, 'UNKNOWN_EXPERIMENT'],
    ]);
    expect(await access('alice', first)).toEqual(['alice']);
    expect(await access('alice', second)).toEqual(['alice']);
    expect(await access('dave', hidden)).toEqual(['dave']);
    expect(await shared('erin')).toEqual([]);
    const drafts = (await w.as('alice', ['drafts'])).json as Array<{ experimentId: string; description: string }>;
    expect(drafts.filter((d) => [first, second, hidden].includes(d.experimentId) && d.description.startsWith('share'))).toEqual([]);

    const real = await w.as('alice', ['share', '--from', file]);
    expect(real.code).toBe(3);
    expect(real.json).toEqual(dry.json);
    expect(await shared('erin')).toEqual(['Dry first', 'Dry second']);
  });

  it('a malformed file exits 2 naming the line, and nothing in it is shared', async () => {
    const exp = await make('alice', 'Malformed target');
    const cases = [
      `${exp},bob\nNOT AN ID,carol\n`,
      `${exp},bob\n${exp},"carol\n`,
      `${exp},bob,full,extra\n`,
      `experiment,person\n${exp},bob\n`,
      'experiment,user\n',
    ];
    for (const text of cases) {
      const run = await w.as('alice', ['share', '--from', await csv(text)]);
      expect(run.code, text).toBe(2);
      expect(run.json.error.code).toBe('USAGE');
    }
    const bad = await w.as('alice', ['share', '--from', await csv(`${exp},bob\nNOT AN ID,carol\n`)]);
    expect(bad.stderr).toMatch(/line 2: experiment/);
    const huge = await w.as('alice', ['share', '--from', await csv(`${exp},bob\n`.repeat(30_000))]);
    expect(huge.code).toBe(2);
    expect(huge.stderr).toMatch(/larger than/);
    expect((await w.as('alice', ['share', '--from', join(w.root, 'missing.csv')])).code).toBe(2);
    expect(await access('alice', exp)).toEqual(['alice']);
  });

  it('shares one experiment with several users in one command', async () => {
    const exp = await make('alice', 'Several');
    const run = await w.as('alice', ['share', exp, 'bob', 'carol@lab.example', 'nobody-here']);
    expect(run.code).toBe(3);
    expect(verdicts(run.json)).toEqual([
      [1, 'bob', true, null],
      [2, 'carol@lab.example', true, null],
      [3, 'nobody-here', false, 'NOT_CONNECTED'],
    ]);
    expect(await access('alice', exp)).toEqual(['alice', 'bob', 'carol']);
    // Again with the two who have it: accepted, nothing changes; plain output says so per row.
    const again = await w.as('alice', ['share', exp, 'bob', 'carol']);
    expect(again.code).toBe(0);
    const plain = await cli(['share', exp, 'bob', 'carol', '--server', w.url, '--profile', join(w.root, 'profile-alice')]);
    expect(plain.stdout).toMatch(/row 1 {2}\S+ {2}bob {2}accepted/);
    expect(plain.stdout).toMatch(/2 rows: 2 accepted, 0 refused, 0 pending/);
  });
});
