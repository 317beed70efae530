import type { Kysely } from 'kysely';
import type { GroupRecord } from '../../shared/schemas/groups.ts';
import { atomic } from './pg-accounts.ts';
import { groupGrantsFromRows, viewsByGroup, withGroupGrants } from './group-grants.ts';
import type { PgSchema } from './pg-schema.ts';
import type { StoreTx } from './store.ts';

type GroupPart = Pick<
  StoreTx,
  | 'createGroup'
  | 'getGroup'
  | 'groupsOf'
  | 'ownedGroupCount'
  | 'setGroupMember'
  | 'deleteGroup'
  | 'saveGroupGrant'
  | 'deleteGroupGrant'
  | 'groupExperiments'
  | 'getExperiment'
  | 'getFamily'
  | 'setViewed'
  | 'groupShareViews'
>;

/** Groups on PostgreSQL (the same records as sqlite-groups.ts); `base` reads experiments without their group grants and marks direct grants viewed. */
export function pgGroups(db: Kysely<PgSchema>, base: Pick<StoreTx, 'getExperiment' | 'getFamily' | 'setViewed'>): GroupPart {
  const toGroups = async (rows: Array<PgSchema['user_groups']>): Promise<GroupRecord[]> => {
    if (rows.length === 0) return [];
    const members = await db
      .selectFrom('group_members')
      .select(['group_id', 'username'])
      .where('group_id', 'in', rows.map((r) => r.id))
      .orderBy('username')
      .execute();
    return rows.map((r) => ({ id: r.id, name: r.name, owner: r.owner, members: members.filter((m) => m.group_id === r.id).map((m) => m.username), createdAt: r.created_at }));
  };
  return {
    ...withGroupGrants(base, async (ids) => {
      if (ids.length === 0) return new Map();
      const rows = await db
        .selectFrom('group_grants as gg')
        .innerJoin('user_groups as g', 'g.id', 'gg.group_id')
        .innerJoin('group_members as m', 'm.group_id', 'gg.group_id')
        .select(['gg.experiment_id', 'gg.group_id', 'g.name', 'gg.granted_by', 'gg.granted_at', 'm.username'])
        .where('gg.experiment_id', 'in', ids)
        .execute();
      return groupGrantsFromRows(rows);
    }),
    async createGroup(group) {
      await atomic(db, async (trx) => {
        await trx.insertInto('user_groups').values({ id: group.id, name: group.name, owner: group.owner, created_at: group.createdAt }).execute();
        const users = [...new Set([group.owner, ...group.members])];
        await trx.insertInto('group_members').values(users.map((username) => ({ group_id: group.id, username, added_at: group.createdAt }))).execute();
      });
    },
    async getGroup(id) {
      const row = await db.selectFrom('user_groups').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? ((await toGroups([row]))[0] ?? null) : null;
    },
    async groupsOf(username) {
      const rows = await db
        .selectFrom('user_groups as g')
        .innerJoin('group_members as m', 'm.group_id', 'g.id')
        .select(['g.id', 'g.name', 'g.owner', 'g.created_at'])
        .where('m.username', '=', username)
        .orderBy('g.name')
        .orderBy('g.id')
        .execute();
      return toGroups(rows);
    },
    async ownedGroupCount(username) {
      const row = await db.selectFrom('user_groups').select((eb) => eb.fn.countAll<number>().as('n')).where('owner', '=', username).executeTakeFirst();
      return Number(row?.n ?? 0);
    },
    async setGroupMember(groupId, username, member, at) {
      if (member) {
        const done = await db.insertInto('group_members').values({ group_id: groupId, username, added_at: at }).onConflict((oc) => oc.doNothing()).executeTakeFirst();
        return Number(done.numInsertedOrUpdatedRows ?? 0) === 1;
      }
      const done = await db.deleteFrom('group_members').where('group_id', '=', groupId).where('username', '=', username).executeTakeFirst();
      return Number(done.numDeletedRows) === 1;
    },
    async deleteGroup(id) {
      await db.deleteFrom('user_groups').where('id', '=', id).execute();
    },
    async saveGroupGrant(experimentId, groupId, by, at) {
      await db
        .insertInto('group_grants')
        .values({ experiment_id: experimentId, group_id: groupId, granted_by: by, granted_at: at })
        .onConflict((oc) => oc.doNothing())
        .execute();
    },
    async deleteGroupGrant(experimentId, groupId) {
      const done = await db.deleteFrom('group_grants').where('experiment_id', '=', experimentId).where('group_id', '=', groupId).executeTakeFirst();
      return Number(done.numDeletedRows) === 1;
    },
    async groupExperiments(groupId) {
      const rows = await db.selectFrom('group_grants').select('experiment_id').where('group_id', '=', groupId).orderBy('experiment_id').execute();
      return rows.map((r) => r.experiment_id);
    },
    async setViewed(experimentId, username) {
      await base.setViewed(experimentId, username);
      await db
        .insertInto('group_grant_views')
        .columns(['experiment_id', 'group_id', 'username'])
        .expression((eb) =>
          eb
            .selectFrom('group_grants as gg')
            .innerJoin('group_members as m', 'm.group_id', 'gg.group_id')
            .select(['gg.experiment_id', 'gg.group_id', 'm.username'])
            .where('gg.experiment_id', '=', experimentId)
            .where('m.username', '=', username),
        )
        .onConflict((oc) => oc.doNothing())
        .execute();
    },
    async groupShareViews(experimentId) {
      const rows = await db.selectFrom('group_grant_views').select(['group_id', 'username']).where('experiment_id', '=', experimentId).orderBy('username').execute();
      return viewsByGroup(rows);
    },
  };
}
