import type Database from 'better-sqlite3';
import type { GroupRecord } from '../../shared/schemas/groups.ts';
import { groupGrantsFromRows, viewsByGroup, withGroupGrants } from './group-grants.ts';
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
type GroupRow = { id: string; name: string; owner: string; created_at: number };
type GrantRow = { experiment_id: string; group_id: string; name: string; granted_by: string; granted_at: number; username: string };

/** Groups on SQLite; `base` is the store's own experiment readers (which get the group grants added) and `setViewed` (which marks group shares too). */
export function sqliteGroups(db: Database.Database, base: Pick<StoreTx, 'getExperiment' | 'getFamily' | 'setViewed'>): GroupPart {
  const st = {
    insert: db.prepare('INSERT INTO user_groups (id, name, owner, created_at) VALUES (?, ?, ?, ?)'),
    addMember: db.prepare('INSERT OR IGNORE INTO group_members (group_id, username, added_at) VALUES (?, ?, ?)'),
    removeMember: db.prepare('DELETE FROM group_members WHERE group_id = ? AND username = ?'),
    get: db.prepare<[string], GroupRow>('SELECT * FROM user_groups WHERE id = ?'),
    members: db.prepare<[string], { username: string }>('SELECT username FROM group_members WHERE group_id = ? ORDER BY username'),
    of: db.prepare<[string], GroupRow>(
      'SELECT g.* FROM user_groups g JOIN group_members m ON m.group_id = g.id WHERE m.username = ? ORDER BY g.name, g.id',
    ),
    owned: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM user_groups WHERE owner = ?'),
    delete: db.prepare('DELETE FROM user_groups WHERE id = ?'),
    grant: db.prepare('INSERT OR IGNORE INTO group_grants (experiment_id, group_id, granted_by, granted_at) VALUES (?, ?, ?, ?)'),
    ungrant: db.prepare('DELETE FROM group_grants WHERE experiment_id = ? AND group_id = ?'),
    experiments: db.prepare<[string], { experiment_id: string }>('SELECT experiment_id FROM group_grants WHERE group_id = ? ORDER BY experiment_id'),
    grantsOf: db.prepare<[string], GrantRow>(`
      SELECT gg.experiment_id, gg.group_id, g.name, gg.granted_by, gg.granted_at, m.username
      FROM group_grants gg JOIN user_groups g ON g.id = gg.group_id JOIN group_members m ON m.group_id = gg.group_id
      WHERE gg.experiment_id = ?`),
    view: db.prepare(`INSERT OR IGNORE INTO group_grant_views (experiment_id, group_id, username)
      SELECT gg.experiment_id, gg.group_id, m.username FROM group_grants gg JOIN group_members m ON m.group_id = gg.group_id
      WHERE gg.experiment_id = ? AND m.username = ?`),
    views: db.prepare<[string], { group_id: string; username: string }>('SELECT group_id, username FROM group_grant_views WHERE experiment_id = ? ORDER BY username'),
  };
  const toGroup = (row: GroupRow): GroupRecord => ({
    id: row.id,
    name: row.name,
    owner: row.owner,
    members: st.members.all(row.id).map((m) => m.username),
    createdAt: row.created_at,
  });
  return {
    ...withGroupGrants(base, async (ids) => groupGrantsFromRows(ids.flatMap((id) => st.grantsOf.all(id)))),
    async createGroup(group) {
      db.transaction(() => {
        st.insert.run(group.id, group.name, group.owner, group.createdAt);
        for (const user of new Set([group.owner, ...group.members])) st.addMember.run(group.id, user, group.createdAt);
      })();
    },
    async getGroup(id) {
      const row = st.get.get(id);
      return row ? toGroup(row) : null;
    },
    async groupsOf(username) {
      return st.of.all(username).map(toGroup);
    },
    async ownedGroupCount(username) {
      return st.owned.get(username)?.n ?? 0;
    },
    async setGroupMember(groupId, username, member, at) {
      return (member ? st.addMember.run(groupId, username, at) : st.removeMember.run(groupId, username)).changes === 1;
    },
    async deleteGroup(id) {
      st.delete.run(id);
    },
    async saveGroupGrant(experimentId, groupId, by, at) {
      st.grant.run(experimentId, groupId, by, at);
    },
    async deleteGroupGrant(experimentId, groupId) {
      return st.ungrant.run(experimentId, groupId).changes === 1;
    },
    async groupExperiments(groupId) {
      return st.experiments.all(groupId).map((r) => r.experiment_id);
    },
    async setViewed(experimentId, username) {
      await base.setViewed(experimentId, username);
      st.view.run(experimentId, username);
    },
    async groupShareViews(experimentId) {
      return viewsByGroup(st.views.all(experimentId));
    },
  };
}
