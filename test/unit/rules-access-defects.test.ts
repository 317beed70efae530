import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { contentFacts, ExperimentRoot, readProjectPeople, readSharing, tagKey, writeSharing } from '../../shared/doc-layout.ts';
import { accessList } from '../../shared/rules/access.ts';
import { checkContentWrite, type ContentFacts, type ContentWrite } from '../../shared/rules/content.ts';
import { checkNewFileName } from '../../shared/rules/files.ts';
import { applyIntent, newSharing, planIntent, type IntentContext } from '../../shared/rules/intents.ts';
import type { Verdict } from '../../shared/rules/verdict.ts';
import { ExperimentName, Gate, ServerMode, TagValue, type Actor, type SharingState } from '../../shared/schemas/entities.ts';
import { FileName } from '../../shared/schemas/files.ts';
import { Intent, IntentType, type ExperimentIntent } from '../../shared/schemas/intents.ts';
import { newProject, ProjectName } from '../../shared/schemas/project.ts';

/** Rule tables for the access-model defects of issue 12 item 4: each row asserts an exact code. */
const AT = 1_700_000_000_000;
const actor = (username: string, staff = false): Actor => ({ username, staff });

function exp(id: string, opts: { owner?: string; grants?: string[]; public?: boolean; curated?: boolean; parentId?: string | null } = {}): SharingState {
  const state = newSharing(id, opts.owner ?? 'olivia', { parentId: opts.parentId ?? null });
  for (const user of opts.grants ?? []) state.grants[user] = { by: state.owner, at: AT };
  return { ...state, public: opts.public ?? false, curated: opts.curated ?? false };
}
const ctxOf = (states: SharingState[], extra: Partial<IntentContext> = {}): IntentContext => ({
  experiments: new Map(states.map((s) => [s.id, s])),
  mode: ServerMode.premium,
  ...extra,
});
function outcome(v: Verdict): { ok: true } | { code: string } {
  return v.ok ? { ok: true } : { code: v.code };
}

describe('share with someone who already has direct access', () => {
  const target = exp('exp-target01', { grants: ['frank'] });
  const sibling = exp('exp-sibling1', { parentId: 'exp-target01' });
  const intent: ExperimentIntent = { id: 'draft-0001', type: IntentType.share, experimentId: target.id, user: 'frank' };

  it('is allowed and changes nothing: the target is not affected', () => {
    const plan = planIntent(intent, actor('olivia'), ctxOf([target]));
    expect(plan).toEqual({ verdict: { ok: true }, affected: [], skipped: [], user: 'frank' });
  });
  it('still reaches a linked experiment that lacks the grant, and only that one', () => {
    const plan = planIntent(intent, actor('olivia'), ctxOf([target, sibling]));
    expect(plan.affected).toEqual([sibling.id]);
  });
});

describe('link into a shared family', () => {
  const parent = exp('exp-parent01', { grants: ['frank'] });
  const cousin = exp('exp-cousin01', { parentId: 'exp-parent01', grants: ['gina'] });
  const child = exp('exp-child001', { grants: ['paula'] });
  const grandchild = exp('exp-grandch1', { parentId: 'exp-child001' });
  const foreign = exp('exp-foreign1', { owner: 'sam', parentId: 'exp-child001', grants: ['olivia'] });
  const link = (experimentId: string, parentId: string | null): ExperimentIntent => ({ id: 'draft-0003', type: IntentType.link, experimentId, parentId });

  it('gives the linked experiment and its descendants the people of the parent family', () => {
    const ctx = ctxOf([parent, cousin, child, grandchild]);
    const intent = link(child.id, parent.id);
    const plan = planIntent(intent, actor('olivia'), ctx);
    expect(plan).toEqual({ verdict: { ok: true }, affected: [child.id, grandchild.id], skipped: [], grants: ['frank', 'gina'] });
    const linked = applyIntent(intent, plan, child, actor('olivia'), AT + 1);
    expect(linked.parentId).toBe(parent.id);
    expect(Object.keys(linked.grants).sort()).toEqual(['frank', 'gina', 'paula']);
    const moved = applyIntent(intent, plan, grandchild, actor('olivia'), AT + 1);
    expect(moved.parentId).toBe(child.id);
    expect(Object.keys(moved.grants).sort()).toEqual(['frank', 'gina']);
  });
  it('skips a descendant the linker may not share, with its code', () => {
    // Olivia has full access to Sam's experiment below hers: she may share it, so it comes along.
    const plan = planIntent(link(child.id, parent.id), actor('olivia'), ctxOf([parent, child, foreign]));
    expect(plan.affected).toEqual([child.id, foreign.id]);
    expect(plan.skipped).toEqual([]);
    const noRight = { ...foreign, grants: {} };
    const refusedPlan = planIntent(link(child.id, parent.id), actor('olivia'), ctxOf([parent, child, noRight]));
    expect(refusedPlan.skipped).toEqual([{ experimentId: foreign.id, code: 'NOT_A_READER' }]);
  });
  it('needs the sharing right on both, as a share does', () => {
    const theirs = exp('exp-theirs01', { owner: 'sam', public: true, grants: ['frank'] });
    expect(outcome(planIntent(link(child.id, theirs.id), actor('olivia'), ctxOf([theirs, child])).verdict)).toEqual({ code: 'NOT_A_SHARING_MANAGER' });
    expect(outcome(planIntent(link(theirs.id, parent.id), actor('olivia'), ctxOf([theirs, parent])).verdict)).toEqual({ code: 'NOT_A_SHARING_MANAGER' });
  });
  it('an unlink gives nobody anything', () => {
    const plan = planIntent(link(cousin.id, null), actor('olivia'), ctxOf([parent, cousin]));
    expect(plan).toEqual({ verdict: { ok: true }, affected: [cousin.id], skipped: [] });
  });
});

describe('request-curation', () => {
  const request = (experimentId: string): ExperimentIntent => ({ id: 'draft-0004', type: IntentType.requestCuration, experimentId });
  const rows: Array<[string, SharingState, string, Partial<IntentContext>, object]> = [
    ['the owner, public, not asked yet', exp('exp-curate01', { public: true }), 'olivia', {}, { ok: true }],
    ['a full-access collaborator', exp('exp-curate01', { public: true, grants: ['frank'] }), 'frank', {}, { code: 'OWNER_ONLY' }],
    ['a public viewer', exp('exp-curate01', { public: true }), 'paula', {}, { code: 'OWNER_ONLY' }],
    ['not public', exp('exp-curate01'), 'olivia', {}, { code: 'NOT_PUBLIC' }],
    ['already curated', exp('exp-curate01', { public: true, curated: true }), 'olivia', {}, { code: 'ALREADY_CURATED' }],
    ['already requested', exp('exp-curate01', { public: true }), 'olivia', { curationRequested: () => true }, { code: 'CURATION_REQUESTED' }],
  ];
  it.each(rows)('%s', (_name, state, user, extra, expected) => {
    expect(outcome(planIntent(request(state.id), actor(user), ctxOf([state], extra)).verdict)).toStrictEqual(expected);
  });
});

describe('content writes refer to what the experiment holds', () => {
  const state = exp('exp-content1');
  const facts: ContentFacts = {
    hasFile: (name) => name === 's1.fcs',
    hasChannel: (channel) => channel === 'FSC-A' || channel === 'SSC-A',
    hasGate: (id) => id === 'gate-live',
  };
  const set = (root: string, key: string, value: unknown): ContentWrite => ({ root, key, value, deleted: false });
  const gate = (x: string, y: string) => ({ name: 'Live', xChannel: x, yChannel: y, rect: [0, 0, 1, 1] });
  const rows: Array<[string, ContentWrite, object]> = [
    ['a tag of a file it has', set('tags', tagKey('s1.fcs', 'Donor'), 'D1'), { ok: true }],
    ['a tag of a file it lacks', set('tags', tagKey('s2.fcs', 'Donor'), 'D1'), { code: 'UNKNOWN_FILE' }],
    ['clearing a tag of a file it lacks', { root: 'tags', key: tagKey('s2.fcs', 'Donor'), value: undefined, deleted: true }, { ok: true }],
    ['a tag whose dimension has a line break', set('tags', tagKey('s1.fcs', 'Do\nnor'), 'D1'), { code: 'INVALID_VALUE' }],
    ['a tag value with a tab', set('tags', tagKey('s1.fcs', 'Donor'), 'D\t1'), { code: 'INVALID_VALUE' }],
    ['a gate on channels of its files', set('gates', 'gate-new1', gate('FSC-A', 'SSC-A')), { ok: true }],
    ['a gate on a channel no file has', set('gates', 'gate-new1', gate('FSC-A', 'CD3')), { code: 'UNKNOWN_CHANNEL' }],
    ['a gate whose name has a line break', set('gates', 'gate-new1', { ...gate('FSC-A', 'SSC-A'), name: 'Li\nve' }), { code: 'INVALID_VALUE' }],
    ['removing a gate it has', set('gates', 'gate-live', null), { ok: true }],
    ['removing a gate it lacks', set('gates', 'gate-gone', null), { code: 'UNKNOWN_GATE' }],
    ['a name with a line break', set('meta', 'name', 'two\nlines'), { code: 'INVALID_VALUE' }],
    ['a name with a C1 control', set('meta', 'name', 'next\u0085line'), { code: 'INVALID_VALUE' }],
    ['a purpose of several lines', set('meta', 'purpose', 'line one\nline two'), { ok: true }],
  ];
  it.each(rows)('%s', (_name, write, expected) => {
    expect(outcome(checkContentWrite(state, actor('olivia'), write, null, facts))).toStrictEqual(expected);
  });
  it('reads the facts from the experiment document: files, channels, gates not removed', () => {
    const doc = new Y.Doc();
    doc.getMap(ExperimentRoot.files).set('f1', { name: 's1.fcs', channels: [{ name: 'FSC-A', label: null }] });
    doc.getMap(ExperimentRoot.gates).set('gate-live', gate('FSC-A', 'FSC-A'));
    doc.getMap(ExperimentRoot.gates).set('gate-gone', null);
    const read = contentFacts(doc);
    expect([read.hasFile('s1.fcs'), read.hasFile('s2.fcs'), read.hasChannel('FSC-A'), read.hasChannel('SSC-A')]).toEqual([true, false, true, false]);
    expect([read.hasGate('gate-live'), read.hasGate('gate-gone'), read.hasGate('gate-none')]).toEqual([true, false, false]);
  });
});

describe('one name per file in an experiment', () => {
  it.each([
    ['a new name', 'b.fcs', ['a.fcs'], { ok: true }],
    ['a taken name', 'a.fcs', ['a.fcs', 'c.fcs'], { code: 'FILE_NAME_TAKEN' }],
    ['names differ by case', 'A.fcs', ['a.fcs'], { ok: true }],
  ] as const)('%s', (_name, name, existing, expected) => {
    expect(outcome(checkNewFileName(name, existing))).toStrictEqual(expected);
  });
});

describe('names are one line', () => {
  const bad = ['two\nlines', 'cr\rhere', 'tab\there', 'nul\u0000', 'del\u007f', 'next\u0085line', 'line\u2028sep'];
  it.each(bad)('refuses %j in every name schema, with the same words', (text) => {
    for (const schema of [ExperimentName, ProjectName, TagValue, FileName]) {
      const parsed = schema.safeParse(text);
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0]?.message).toMatch(/must be one line, without line breaks, tabs or other control characters/);
    }
    expect(Gate.safeParse({ name: text, xChannel: 'FSC-A', yChannel: 'SSC-A', rect: [0, 0, 1, 1] }).success).toBe(false);
  });
  it('refuses an experiment or project intent with such a name', () => {
    expect(Intent.safeParse({ id: 'draft-0005', type: IntentType.create, experimentId: 'exp-named01', name: 'a\nb' }).success).toBe(false);
    expect(Intent.safeParse({ id: 'draft-0006', type: IntentType.projectCreate, projectId: 'proj-named1', name: 'a\tb' }).success).toBe(false);
  });
  it('accepts ordinary names, accents and symbols included', () => {
    for (const text of ['CD4+ T cells', 'Échantillon №3 — día 2', '患者 A']) expect(ExperimentName.safeParse(text).success).toBe(true);
  });
});

describe('the access list of a collaborator outside the project', () => {
  it('lists the project people mirrored into the experiment document', () => {
    const project = { ...newProject('proj-people1', 'Panel', 'olivia'), members: { olivia: 'manager' as const, carol: 'member' as const } };
    const state = { ...exp('exp-people01', { grants: ['frank'] }), projectId: project.id };
    const doc = new Y.Doc();
    writeSharing(doc, state, project);
    expect(readSharing(doc, state.id)).toEqual(state);
    const people = readProjectPeople(doc);
    expect(accessList(state, people)).toEqual(accessList(state, project));
    expect(accessList(state, people).map((a) => a.user)).toEqual(['olivia', 'frank', 'carol']);
    writeSharing(doc, { ...state, projectId: null }, null);
    expect(readProjectPeople(doc)).toBeNull();
  });
});
