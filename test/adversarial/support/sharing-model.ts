import { accessOf } from '../../../shared/rules/access.ts';
import type { AccessLevel, SharingState } from '../../../shared/schemas/entities.ts';
import type { ProjectState } from '../../../shared/schemas/project.ts';

/**
 * The expected sharing state of one property run, written independently of the server's
 * rules code: two experiments of alice (E, and P which E may be linked under), one project
 * managed by alice, and what each account may do. `accessOf` (the definition of access levels)
 * is the only shared code it uses.
 */
export const USERS = ['alice', 'bob', 'carol', 'pat', 'mallory'] as const;
export type User = (typeof USERS)[number];
export const DOCS = ['E', 'P'] as const;
export type DocKey = (typeof DOCS)[number];

export type ExpModel = { owner: User; grants: Set<User>; public: boolean; trashed: boolean; parent: DocKey | null; inProject: boolean };
export type ContentModel = { meta: Record<string, unknown>; tags: Record<string, unknown>; gates: Record<string, unknown> };

export class SharingModel {
  readonly exps: Record<DocKey, ExpModel>;
  readonly members = new Set<User>(['pat']);
  readonly content: Record<DocKey, ContentModel>;

  constructor(
    readonly ids: Record<DocKey, string>,
    readonly projectId: string,
  ) {
    const fresh = (): ExpModel => ({ owner: 'alice', grants: new Set(), public: false, trashed: false, parent: null, inProject: false });
    this.exps = { E: fresh(), P: fresh() };
    this.content = {
      E: { meta: { name: 'Property E', purpose: '' }, tags: {}, gates: {} },
      P: { meta: { name: 'Property P', purpose: '' }, tags: {}, gates: {} },
    };
  }

  /** The project as the server should hold it: alice manages, members restricted, view only. */
  project(): ProjectState {
    const members: ProjectState['members'] = { alice: 'manager' };
    for (const m of this.members) members[m] = 'member';
    return { id: this.projectId, name: 'Property project', members, policy: { access: 'restricted', illustrations: 'view-only', cloning: 'disabled' } };
  }

  sharing(doc: DocKey): SharingState {
    const e = this.exps[doc];
    const grants: SharingState['grants'] = {};
    for (const g of e.grants) grants[g] = { by: 'alice', at: 0 };
    return {
      id: this.ids[doc],
      owner: e.owner,
      grants,
      public: e.public,
      curated: false,
      parentId: e.parent === null ? null : this.ids[e.parent],
      clonedFrom: null,
      projectId: e.inProject ? this.projectId : null,
      trashed: e.trashed,
    };
  }

  access(doc: DocKey, user: User): AccessLevel {
    return accessOf(this.sharing(doc), user, this.exps[doc].inProject ? this.project() : null);
  }

  canRead(doc: DocKey, user: User): boolean {
    return this.access(doc, user) !== 'none';
  }

  /** Edit right: owner or full access, and not in the trash (restricted and public never edit). */
  canEdit(doc: DocKey, user: User): boolean {
    const level = this.access(doc, user);
    return (level === 'owner' || level === 'full') && !this.exps[doc].trashed;
  }

  /** manage-sharing: the same cells as edit in the capability table. */
  canManage(doc: DocKey, user: User): boolean {
    return this.canEdit(doc, user);
  }

  family(doc: DocKey): DocKey[] {
    const linked = this.exps.E.parent === 'P';
    return linked ? ['E', 'P'] : [doc];
  }

  /** Applies an intent if the rules allow it; returns whether they do. */
  apply(intent: ModelIntent): boolean {
    const { actor } = intent;
    switch (intent.type) {
      case 'share':
      case 'unshare': {
        const { doc, user } = intent;
        const share = intent.type === 'share';
        const exp = this.exps[doc];
        if (!this.canManage(doc, actor) || user === exp.owner) return false;
        if (!share && !exp.grants.has(user)) return false;
        // Decided for the whole family before any change, like the server's plan.
        const affected = this.family(doc).filter(
          (d) => d === doc || (this.exps[d].owner !== user && this.exps[d].grants.has(user) !== share && this.canManage(d, actor)),
        );
        for (const d of affected) {
          if (share) this.exps[d].grants.add(user);
          else this.exps[d].grants.delete(user);
        }
        return true;
      }
      case 'publish':
      case 'unpublish':
        if (!this.canManage(intent.doc, actor)) return false;
        this.exps[intent.doc].public = intent.type === 'publish';
        return true;
      case 'trash':
      case 'restore':
        if (this.exps[intent.doc].owner !== actor) return false;
        this.exps[intent.doc].trashed = intent.type === 'trash';
        return true;
      case 'link':
      case 'unlink':
        if (!this.canManage('E', actor)) return false;
        if (intent.type === 'link' && !this.canManage('P', actor)) return false;
        this.exps.E.parent = intent.type === 'link' ? 'P' : null;
        return true;
      case 'move-in':
      case 'move-out': {
        // Moving needs sharing rights and managing the project at both ends; only alice manages it.
        const exp = this.exps[intent.doc];
        const managesEnds = actor === 'alice' || (intent.type === 'move-out' && !exp.inProject);
        if (!this.canManage(intent.doc, actor) || !managesEnds) return false;
        exp.inProject = intent.type === 'move-in';
        return true;
      }
      case 'member-add':
        if (actor !== 'alice') return false;
        this.members.add(intent.user);
        return true;
      case 'member-remove':
        if (actor !== 'alice' || !this.members.has(intent.user)) return false;
        this.members.delete(intent.user);
        return true;
      default: {
        const exhaustive: never = intent;
        return exhaustive;
      }
    }
  }
}

export type ModelIntent =
  | { type: 'share' | 'unshare'; actor: User; doc: DocKey; user: User }
  | { type: 'publish' | 'unpublish' | 'trash' | 'restore' | 'move-in' | 'move-out'; actor: User; doc: DocKey }
  | { type: 'link' | 'unlink'; actor: User }
  | { type: 'member-add' | 'member-remove'; actor: User; user: Exclude<User, 'alice'> };
