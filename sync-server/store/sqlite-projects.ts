import type Database from 'better-sqlite3';
import { ProjectPolicy, type ProjectState } from '../../shared/schemas/project.ts';
import type { Store } from './store.ts';

type ProjectPart = Pick<
  Store,
  | 'getProject'
  | 'saveProject'
  | 'projectsOf'
  | 'projectExperiments'
  | 'sharedProjectCount'
  | 'deleteExperiment'
  | 'requestCuration'
  | 'curationQueue'
  | 'clearCurationRequest'
>;

/** Projects, deletion of experiments, and the curation queue on SQLite. */
export function sqliteProjects(db: Database.Database): ProjectPart {
  const st = {
    project: db.prepare<[string], { id: string; name: string; policy: string }>('SELECT id, name, policy FROM projects WHERE id = ?'),
    members: db.prepare<[string], { username: string; role: 'manager' | 'leader' | 'member' }>(
      'SELECT username, role FROM project_members WHERE project_id = ?',
    ),
    upsert: db.prepare(
      'INSERT INTO projects (id, name, policy, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name, policy = excluded.policy',
    ),
    clearMembers: db.prepare('DELETE FROM project_members WHERE project_id = ?'),
    addMember: db.prepare('INSERT INTO project_members (project_id, username, role) VALUES (?, ?, ?)'),
    projectsOf: db.prepare<[string], { project_id: string }>('SELECT project_id FROM project_members WHERE username = ?'),
    experiments: db.prepare<[string], { id: string }>('SELECT id FROM experiments WHERE project_id = ?'),
    sharedProjects: db.prepare<[string, string], { n: number }>(
      'SELECT count(*) AS n FROM project_members x JOIN project_members y ON x.project_id = y.project_id WHERE x.username = ? AND y.username = ?',
    ),
    deleteGrants: db.prepare('DELETE FROM grants WHERE experiment_id = ?'),
    deleteCuration: db.prepare('DELETE FROM curation_requests WHERE experiment_id = ?'),
    unlinkChildren: db.prepare('UPDATE experiments SET parent_id = NULL WHERE parent_id = ?'),
    deleteExperiment: db.prepare('DELETE FROM experiments WHERE id = ?'),
    request: db.prepare(
      'INSERT INTO curation_requests (experiment_id, requested_by, requested_at) VALUES (?, ?, ?) ON CONFLICT(experiment_id) DO NOTHING',
    ),
    queue: db.prepare<[], { experiment_id: string; requested_by: string; requested_at: number; name: string; owner: string }>(
      `SELECT c.experiment_id, c.requested_by, c.requested_at, e.name, e.owner FROM curation_requests c
       JOIN experiments e ON e.id = c.experiment_id WHERE e.public = 1 AND e.trashed = 0 ORDER BY c.requested_at`,
    ),
  };
  const load = (id: string): ProjectState | null => {
    const row = st.project.get(id);
    if (!row) return null;
    const members: ProjectState['members'] = {};
    for (const m of st.members.all(id)) members[m.username] = m.role;
    return { id: row.id, name: row.name, members, policy: ProjectPolicy.parse(JSON.parse(row.policy)) };
  };
  return {
    async getProject(id) {
      return load(id);
    },
    async saveProject(project, createdAt) {
      db.transaction(() => {
        st.upsert.run(project.id, project.name, JSON.stringify(project.policy), createdAt);
        st.clearMembers.run(project.id);
        for (const [user, role] of Object.entries(project.members)) st.addMember.run(project.id, user, role);
      })();
    },
    async projectsOf(username) {
      return st.projectsOf.all(username).flatMap((r) => load(r.project_id) ?? []);
    },
    async projectExperiments(projectId) {
      return st.experiments.all(projectId).map((r) => r.id);
    },
    async sharedProjectCount(x, y) {
      return st.sharedProjects.get(x, y)?.n ?? 0;
    },
    async deleteExperiment(id) {
      // Children lose their parent rather than dangle; the blobs stay, shared by content.
      db.transaction(() => {
        st.deleteGrants.run(id);
        st.deleteCuration.run(id);
        st.unlinkChildren.run(id);
        st.deleteExperiment.run(id);
      })();
    },
    async requestCuration(experimentId, username, at) {
      st.request.run(experimentId, username, at);
    },
    async curationQueue() {
      return st.queue.all().map((r) => ({ experimentId: r.experiment_id, name: r.name, owner: r.owner, requestedBy: r.requested_by, requestedAt: r.requested_at }));
    },
    async clearCurationRequest(experimentId) {
      st.deleteCuration.run(experimentId);
    },
  };
}
