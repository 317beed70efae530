import { mkdtemp } from 'node:fs/promises';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addFile, cleanup, cli, fcsFile, world, type Run, type World } from './cli-helpers.ts';

/**
 * Access-model and CLI defects of issue 12 item 4, each through the real server and the real
 * `cytoshare` binary: what a collaborator sees, what linking and sharing again do, what content
 * edits may refer to, and what the plain output says.
 */
const codeOf = (run: Run): string | undefined => run.json?.error?.code ?? run.json?.code;

describe('cytoshare CLI: access model and plain output', () => {
  let w: World;
  const mailTo: string[] = [];
  /** The CLI as `user` without --json: what a person reads. */
  const plain = (user: string, args: string[]) => cli([...args, '--server', w.url, '--profile', join(w.root, `profile-${user}`)]);

  beforeAll(async () => {
    w = await world(['alice', 'bob', 'carol', 'dave']);
    for (const user of ['alice', 'bob', 'carol', 'dave']) expect((await w.login(user)).code).toBe(0);
    // Every share notice is queued through this one call before the intent is answered.
    const store = w.server.store;
    const enqueue = store.enqueueMail.bind(store);
    store.enqueueMail = async (mail) => {
      mailTo.push(mail.to);
      return enqueue(mail);
    };
  });
  afterAll(async () => cleanup(w));

  it('a full-access collaborator sees the same people as the owner, project members included', async () => {
    const project = (await w.as('alice', ['project', 'create', 'Shared panel'])).json.id as string;
    expect((await w.as('alice', ['project', 'member', project, 'carol', '--role', 'member'])).code).toBe(0);
    const exp = (await w.as('alice', ['exp', 'create', 'In a project'])).json.id as string;
    expect((await w.as('alice', ['project', 'add', project, exp])).code).toBe(0);
    expect((await w.as('alice', ['share', exp, 'bob'])).code).toBe(0);

    const owner = (await w.as('alice', ['exp', 'show', exp])).json.access;
    expect(owner).toEqual([
      { user: 'alice', via: 'owner' },
      { user: 'bob', via: 'direct' },
      { user: 'carol', via: 'project-member', role: 'member', level: 'full' },
    ]);
    expect((await w.as('bob', ['exp', 'show', exp])).json.access).toEqual(owner);
    // A later change of the project's people reaches the collaborator too.
    expect((await w.as('alice', ['project', 'member', project, 'dave', '--role', 'leader'])).code).toBe(0);
    expect((await w.as('bob', ['exp', 'show', exp])).json.access).toEqual([...owner, { user: 'dave', via: 'project-member', role: 'leader', level: 'full' }]);
  });

  it('an experiment linked into a shared family gets the family’s people, with their mail', async () => {
    const parent = (await w.as('alice', ['exp', 'create', 'Shared run'])).json.id as string;
    expect((await w.as('alice', ['share', parent, 'bob'])).code).toBe(0);
    const child = (await w.as('alice', ['exp', 'create', 'Later analysis'])).json.id as string;
    const mailsBefore = mailTo.length;

    const link = await w.as('alice', ['link', child, '--parent', parent]);
    expect(link.code).toBe(0);
    expect(link.json.state).toBe('accepted');
    expect((await w.as('bob', ['exp', 'list', '--filter', 'shared'])).json.map((r: { id: string }) => r.id)).toContain(child);
    expect((await w.as('alice', ['exp', 'show', child])).json.access).toContainEqual({ user: 'bob', via: 'direct' });
    expect(mailTo.slice(mailsBefore)).toEqual(['bob@lab.example']);
  });

  it('linking needs the sharing right on both experiments, as a share does', async () => {
    const bobs = (await w.as('bob', ['exp', 'create', 'Bob analysis'])).json.id as string;
    const alices = (await w.as('alice', ['exp', 'create', 'Alice public'])).json.id as string;
    expect((await w.as('alice', ['publish', alices])).code).toBe(0);
    const refused = await w.as('bob', ['link', bobs, '--parent', alices]);
    expect(refused.code).toBe(3);
    expect(codeOf(refused)).toBe('NOT_A_SHARING_MANAGER');
    expect((await w.as('alice', ['exp', 'show', bobs])).code).toBe(3);
  });

  it('sharing again with someone who has access succeeds without a second mail, grant or effect', async () => {
    const exp = (await w.as('alice', ['exp', 'create', 'Shared twice'])).json.id as string;
    expect((await w.as('alice', ['share', exp, 'carol'])).code).toBe(0);
    const mailsAfterFirst = mailTo.filter((to) => to === 'carol@lab.example').length;
    const grantBefore = (await w.server.store.getExperiment(exp))?.grants.carol;

    const again = await w.as('alice', ['share', exp, 'carol@lab.example']);
    expect(again.code).toBe(0);
    expect(again.json.state).toBe('accepted');
    expect(mailTo.filter((to) => to === 'carol@lab.example').length).toBe(mailsAfterFirst);
    expect((await w.server.store.getExperiment(exp))?.grants.carol).toEqual(grantBefore);
    const audit = (await w.server.store.auditLog(5)).find((a) => a.action === 'share' && a.experimentId === exp && (a.detail as { user?: string }).user === 'carol' && (a.detail as { intent: { user: string } }).intent.user === 'carol@lab.example');
    expect(audit).toMatchObject({ verdict: 'accepted', detail: { affected: [] } });
  });

  it('refuses a second file of the same name in one experiment', async () => {
    const exp = (await w.as('alice', ['exp', 'create', 'Two tubes'])).json.id as string;
    await addFile(w, 'alice', exp, 'tube.fcs');
    const folder = await mkdtemp(join(w.root, 'again-'));
    const second = await w.as('alice', ['file', 'add', exp, fcsFile(join(folder, 'tube.fcs'), 20)]);
    expect(second.code).toBe(3);
    expect(codeOf(second)).toBe('FILE_NAME_TAKEN');
    expect((await w.as('alice', ['exp', 'show', exp])).json.files).toHaveLength(1);
  });

  it('refuses a tag of a file the experiment lacks, a gate on an unknown channel and removing an unknown gate', async () => {
    const exp = (await w.as('alice', ['exp', 'create', 'References'])).json.id as string;
    await addFile(w, 'alice', exp, 's1.fcs');
    expect((await w.as('alice', ['tag', exp, 's1.fcs', 'Donor', 'D1'])).code).toBe(0);
    const draftsOf = async () => (await w.as('alice', ['drafts'])).json.filter((d: { experimentId: string }) => d.experimentId === exp).length;
    const before = await draftsOf();

    const tag = await w.as('alice', ['tag', exp, 'missing.fcs', 'Donor', 'D1']);
    expect([tag.code, codeOf(tag)]).toEqual([3, 'UNKNOWN_FILE']);
    const gate = await w.as('alice', ['gate', 'add', exp, 'Live', '--x', 'FSC-A', '--y', 'CD3', '--rect', '1,2,3,4']);
    expect([gate.code, codeOf(gate)]).toEqual([3, 'UNKNOWN_CHANNEL']);
    const rm = await w.as('alice', ['gate', 'rm', exp, 'nosuchgate']);
    expect([rm.code, codeOf(rm)]).toEqual([3, 'UNKNOWN_GATE']);
    // Refused at once: nothing became a draft.
    expect(await draftsOf()).toBe(before);
    expect((await w.as('alice', ['gate', 'add', exp, 'Live', '--x', 'FSC-A', '--y', 'SSC-A', '--rect', '1,2,3,4'])).code).toBe(0);
  });

  it('refuses names with line breaks or control characters', async () => {
    for (const name of ['two\nlines', 'tab\there', 'bell\u0007', 'next\u0085line']) {
      const made = await w.as('alice', ['exp', 'create', name]);
      expect(made.code).toBe(2);
      expect(made.stderr).toMatch(/one line, without line breaks/);
    }
    const exp = (await w.as('alice', ['exp', 'create', 'Single line'])).json.id as string;
    expect((await w.as('alice', ['exp', 'rename', exp, 'broken\r\nname'])).code).toBe(2);
    expect((await w.as('alice', ['project', 'create', 'proj\nname'])).code).toBe(2);
    expect((await w.as('alice', ['gate', 'add', exp, 'ga\nte', '--x', 'FSC-A', '--y', 'SSC-A', '--rect', '1,2,3,4'])).code).toBe(2);
    expect((await plain('alice', ['exp', 'list'])).stdout.split('\n').every((line) => line === '' || /^\S+ {2}.+ {2}\(.+\)$/.test(line))).toBe(true);
  });

  it('refuses a curation request on a curated experiment, a second request, and one by a non-owner at once', async () => {
    const exp = (await w.as('alice', ['exp', 'create', 'For the catalog'])).json.id as string;
    expect((await w.as('alice', ['publish', exp])).code).toBe(0);
    expect((await w.as('bob', ['exp', 'show', exp])).code).toBe(0);

    const byBob = await w.as('bob', ['request-curation', exp, '--offline']);
    expect([byBob.code, codeOf(byBob)]).toEqual([3, 'OWNER_ONLY']);
    expect((await w.as('bob', ['drafts'])).json.filter((d: { experimentId: string }) => d.experimentId === exp)).toEqual([]);

    expect((await w.as('alice', ['request-curation', exp])).code).toBe(0);
    const twice = await w.as('alice', ['request-curation', exp]);
    expect([twice.code, codeOf(twice)]).toEqual([3, 'CURATION_REQUESTED']);

    const staffer = { ...(await w.server.store.findUser('dave'))!, username: 'staffer', email: 'staffer@lab.example', staff: true, createdAt: 0 };
    await w.server.store.addUser(staffer);
    expect((await w.login('staffer')).code).toBe(0);
    expect((await w.as('staffer', ['curate', exp, 'on'])).code).toBe(0);
    const curated = await w.as('alice', ['request-curation', exp]);
    expect([curated.code, codeOf(curated)]).toEqual([3, 'ALREADY_CURATED']);
  });

  it('refuses a curation request by a non-owner at once on an experiment in a project the user is not in', async () => {
    const project = (await w.as('alice', ['project', 'create', 'Closed project'])).json.id as string;
    const exp = (await w.as('alice', ['exp', 'create', 'Public in a project'])).json.id as string;
    expect((await w.as('alice', ['project', 'add', project, exp])).code).toBe(0);
    expect((await w.as('alice', ['publish', exp])).code).toBe(0);
    expect((await w.as('bob', ['exp', 'show', exp])).code).toBe(0);
    const byBob = await w.as('bob', ['request-curation', exp, '--offline']);
    expect([byBob.code, codeOf(byBob)]).toEqual([3, 'OWNER_ONLY']);
  });

  it('an unknown project filter is refused with UNKNOWN_PROJECT (exit 3)', async () => {
    const run = await w.as('alice', ['exp', 'list', '--filter', 'project:nonsense']);
    expect([run.code, codeOf(run)]).toEqual([3, 'UNKNOWN_PROJECT']);
  });

  it('lists experiments created offline, marked pending', async () => {
    const made = await w.as('carol', ['exp', 'create', 'Made on the train', '--offline']);
    expect(made.code).toBe(0);
    const rows = (await w.as('carol', ['exp', 'list', '--offline'])).json as Array<{ id: string; pending?: boolean }>;
    expect(rows.find((r) => r.id === made.json.id)).toMatchObject({ pending: true });
    expect((await plain('carol', ['exp', 'list', '--offline'])).stdout).toMatch(/Made on the train {2}\(carol, owner, pending\)/);
    expect((await w.as('carol', ['sync'])).code).toBe(0);
    const synced = (await w.as('carol', ['exp', 'list'])).json as Array<{ id: string; pending?: boolean }>;
    expect(synced.find((r) => r.id === made.json.id)).not.toHaveProperty('pending');
  });

  it('says "public" once in the plain list', async () => {
    const exp = (await w.as('alice', ['exp', 'create', 'Open data'])).json.id as string;
    expect((await w.as('alice', ['publish', exp])).code).toBe(0);
    const line = (await plain('dave', ['exp', 'list', '--filter', 'public'])).stdout.split('\n').find((l) => l.startsWith(exp));
    expect(line).toBe(`${exp}  Open data  (alice, public)`);
  });

  it('file get into a missing folder is a local usage error naming the folder', async () => {
    const exp = (await w.as('alice', ['exp', 'create', 'Download me'])).json.id as string;
    const fileId = await addFile(w, 'alice', exp, 'd.fcs');
    const missing = join(w.root, 'no-such-folder');
    const run = await plain('alice', ['file', 'get', exp, fileId, '--out', join(missing, 'd.fcs')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`the folder ${missing} does not exist`);
    expect(run.stderr).not.toMatch(/server failed/);
  });

  it('an FCS refusal says the segment and the expected and actual offsets without --json', async () => {
    const exp = (await w.as('alice', ['exp', 'create', 'Bad upload'])).json.id as string;
    const folder = await mkdtemp(join(w.root, 'bad-'));
    const bad = join(folder, 'cut.fcs');
    writeFileSync(bad, readFileSync(fcsFile(join(folder, 'whole.fcs'), 100)).subarray(0, 400));
    const run = await plain('alice', ['file', 'add', exp, bad]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^error INVALID_FILE: The file is not a readable FCS file\. Segment DATA: expected offset \d+, actual \d+/m);
  });
});
