import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../shared/codes.ts';
import { checkContentWrite, type ContentFacts, type ContentWrite } from '../../shared/rules/content.ts';
import { newSharing } from '../../shared/rules/intents.ts';
import type { Verdict } from '../../shared/rules/verdict.ts';
import type { SharingState } from '../../shared/schemas/entities.ts';
import type { Figure } from '../../shared/schemas/figures.ts';
import type { IllustrationsLevel, ProjectState } from '../../shared/schemas/project.ts';

/**
 * Who may write illustrations (the `figures` root) under each project policy, with the exact
 * codes; and that the illustrations level gives nothing else (a `create` member still may not
 * touch gates or tags).
 *
 * Olivia owns exp-figures1 in project proj-figs0001; Frank has direct full access; Mona manages
 * the project; Mel is a member; Paula is any account (the experiment is public); Sam a stranger
 * to the private copy.
 */
const PROJECT = 'proj-figs0001';
function sharing(opts: { public?: boolean; trashed?: boolean } = {}): SharingState {
  const s = newSharing('exp-figures1', 'olivia');
  s.grants.frank = { by: 'olivia', at: 1 };
  return { ...s, projectId: PROJECT, public: opts.public ?? false, trashed: opts.trashed ?? false };
}
function project(illustrations: IllustrationsLevel | 'full'): ProjectState {
  const policy = illustrations === 'full' ? { access: 'full' as const } : { access: 'restricted' as const, illustrations, cloning: 'disabled' as const };
  return { id: PROJECT, name: 'Figures lab', members: { mona: 'manager', mel: 'member' }, policy };
}
const facts: ContentFacts = {
  hasFile: (name) => name === 'tube1.fcs',
  hasChannel: (c) => c === 'FSC-A' || c === 'SSC-A',
  hasGate: (id) => id === 'gate-0001',
  hasFigure: (id) => id === 'fig-0001',
};
const figure: Figure = { name: 'Lymphocytes', columns: 1, panels: [{ file: 'tube1.fcs', x: 'FSC-A', y: 'SSC-A', gates: 'all', scale: 'asinh', cofactor: 150 }] };
const set = (root: string, key: string, value: unknown): ContentWrite => ({ root, key, value, deleted: false });
const ADD = set('figures', 'fig-0001', figure);
const REMOVE = set('figures', 'fig-0001', null);
const GATE = set('gates', 'gate-0002', { name: 'G', xChannel: 'FSC-A', yChannel: 'SSC-A', rect: [0, 0, 1, 1] });

function outcome(v: Verdict): { ok: true } | { code: string; path?: string[] } {
  return v.ok ? { ok: true } : { code: v.code, path: v.path };
}
const OK = { ok: true };
const no = (code: ErrorCode, key = 'fig-0001', root = 'figures') => ({ code, path: [root, key] });

type Row = [who: string, user: string, state: SharingState, policy: IllustrationsLevel | 'full', add: object, remove: object, gate: object];
// prettier-ignore
const table: Row[] = [
  ['owner, members view-only',             'olivia', sharing(),                 'view-only', OK, OK, OK],
  ['direct full access, members view-only','frank',  sharing(),                 'view-only', OK, OK, OK],
  ['project manager, members view-only',   'mona',   sharing(),                 'view-only', OK, OK, OK],
  ['member, policy full',                  'mel',    sharing(),                 'full',      OK, OK, OK],
  ['member, illustrations create',         'mel',    sharing(),                 'create',    OK, OK, no(ErrorCode.READ_ONLY, 'gate-0002', 'gates')],
  ['member, illustrations view-only',      'mel',    sharing(),                 'view-only', no(ErrorCode.READ_ONLY), no(ErrorCode.READ_ONLY), no(ErrorCode.READ_ONLY, 'gate-0002', 'gates')],
  ['member view-only of a public one',     'mel',    sharing({ public: true }), 'view-only', no(ErrorCode.READ_ONLY), no(ErrorCode.READ_ONLY), no(ErrorCode.READ_ONLY, 'gate-0002', 'gates')],
  ['public reader',                        'paula',  sharing({ public: true }), 'create',    no(ErrorCode.READ_ONLY), no(ErrorCode.READ_ONLY), no(ErrorCode.READ_ONLY, 'gate-0002', 'gates')],
  ['stranger',                             'sam',    sharing(),                 'create',    no(ErrorCode.NOT_A_READER), no(ErrorCode.NOT_A_READER), no(ErrorCode.NOT_A_READER, 'gate-0002', 'gates')],
  ['owner of a trashed one',               'olivia', sharing({ trashed: true }),'create',    no(ErrorCode.EXPERIMENT_TRASHED), no(ErrorCode.EXPERIMENT_TRASHED), no(ErrorCode.EXPERIMENT_TRASHED, 'gate-0002', 'gates')],
];

describe('illustrations follow the project policy', () => {
  it.each(table)('%s', (_who, user, state, policy, add, remove, gate) => {
    const p = project(policy);
    const check = (w: ContentWrite) => outcome(checkContentWrite(state, { username: user, staff: false }, w, p, facts));
    expect({ add: check(ADD), remove: check(REMOVE), gate: check(GATE) }).toStrictEqual({ add, remove, gate });
  });
});

describe('what a figure must be', () => {
  const owner = (w: ContentWrite) => outcome(checkContentWrite(sharing(), { username: 'olivia', staff: false }, w, project('full'), facts));
  const panel = figure.panels[0]!;
  it.each<[string, ContentWrite, object]>([
    ['a figure id of one character', set('figures', 'f', figure), no(ErrorCode.UNKNOWN_FIELD, 'f')],
    ['no panels', set('figures', 'fig-0001', { ...figure, panels: [] }), no(ErrorCode.INVALID_VALUE)],
    ['seventeen panels', set('figures', 'fig-0001', { ...figure, panels: Array(17).fill(panel) }), no(ErrorCode.INVALID_VALUE)],
    ['a scale that does not exist', set('figures', 'fig-0001', { ...figure, panels: [{ ...panel, scale: 'sqrt' }] }), no(ErrorCode.INVALID_VALUE)],
    ['a cofactor of 0', set('figures', 'fig-0001', { ...figure, panels: [{ ...panel, cofactor: 0 }] }), no(ErrorCode.INVALID_VALUE)],
    ['a name of two lines', set('figures', 'fig-0001', { ...figure, name: 'a\nb' }), no(ErrorCode.INVALID_VALUE)],
    ['five columns', set('figures', 'fig-0001', { ...figure, columns: 5 }), no(ErrorCode.INVALID_VALUE)],
    ['an extra field', set('figures', 'fig-0001', { ...figure, script: 'x' }), no(ErrorCode.INVALID_VALUE)],
    ['a file the experiment lacks', set('figures', 'fig-0001', { ...figure, panels: [{ ...panel, file: 'other.fcs' }] }), no(ErrorCode.UNKNOWN_FILE)],
    ['a channel no file has', set('figures', 'fig-0001', { ...figure, panels: [{ ...panel, y: 'CD3' }] }), no(ErrorCode.UNKNOWN_CHANNEL)],
    ['chosen gates, one since removed', set('figures', 'fig-0001', { ...figure, panels: [{ ...panel, gates: ['gate-0001', 'gate-gone'] }] }), OK],
    ['the removal of a figure the experiment lacks', set('figures', 'fig-none', null), no(ErrorCode.UNKNOWN_FIGURE, 'fig-none')],
    ['the same figure, lin scale', set('figures', 'fig-0001', { ...figure, panels: [{ ...panel, scale: 'lin' }] }), OK],
  ])('%s', (_what, write, expected) => {
    expect(owner(write)).toStrictEqual(expected);
  });
});
