import { sql, type Kysely, type Selectable } from 'kysely';
import { ProjectPolicy, type ProjectState } from '../../shared/schemas/project.ts';
import { atomic } from './pg-accounts.ts';
import { appendHistory } from './pg-history.ts';
import type { PgSchema } from './pg-schema.ts';
import { grantOfRow, roleColumn } from './grant-rows.ts';
import type { AuditRecord, ExperimentRecord, GrantRecord, StoreTx } from './store.ts';

type SharingPart = Pick<
  StoreTx,
  | 'getExperiment'
  | 'getFamily'
  | 'grantsOf'
  | 'saveExperiments'
  | 'setName'
  | 'setViewed'
  | 'experimentsOf'
  | 'publicExperiments'
  | 'clientOwners'
  | 'registerClients'
  | 'findIntentResult'
  | 'saveIntentResult'
  | 'audit'
  | 'auditLog'
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

type ExperimentRow = Selectable<PgSchema['experiments']>;

/** Experiments and their grants, client ids, intents and the audit log, projects and curation, on PostgreSQL. */
export function pgSharing(db: Kysely<PgSchema>): SharingPart {
  const grantRows = (experimentIds: readonly string[]) =>
    experimentIds.length === 0 ? Promise.resolve([]) : db.selectFrom('grants').selectAll().where('experiment_id', 'in', experimentIds).execute();

  const toRecords = async (rows: ExperimentRow[]): Promise<ExperimentRecord[]> => {
    const grants = await grantRows(rows.map((r) => r.id));
    return rows.map((row) => {
      const own: ExperimentRecord['grants'] = {};
      for (const g of grants) if (g.experiment_id === row.id) own[g.username] = grantOfRow(g);
      return {
        id: row.id,
        owner: row.owner,
        name: row.name,
        grants: own,
        public: row.public,
        curated: row.curated,
        parentId: row.parent_id,
        clonedFrom: row.cloned_from,
        projectId: row.project_id,
        trashed: row.trashed,
        createdAt: row.created_at,
        ...(row.publish_at !== null ? { publishAt: row.publish_at } : {}),
      };
    });
  };

  const loadProject = async (trx: Kysely<PgSchema>, id: string): Promise<ProjectState | null> => {
    const row = await trx.selectFrom('projects').select(['id', 'name', 'policy']).where('id', '=', id).executeTakeFirst();
    if (!row) return null;
    const members: ProjectState['members'] = {};
    for (const m of await trx.selectFrom('project_members').select(['username', 'role']).where('project_id', '=', id).execute()) members[m.username] = m.role;
    return { id: row.id, name: row.name, members, policy: ProjectPolicy.parse(JSON.parse(row.policy)) };
  };

  const writeAudit = (trx: Kysely<PgSchema>, r: AuditRecord) =>
    trx
      .insertInto('audit')
      .values({ at: r.at, actor: r.actor, action: r.action, experiment_id: r.experimentId, verdict: r.verdict, code: r.code, detail: JSON.stringify(r.detail ?? null) })
      .execute();

  return {
    async getExperiment(id) {
      const row = await db.selectFrom('experiments').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? ((await toRecords([row]))[0] ?? null) : null;
    },
    async getFamily(id) {
      // Up to the root of the parent line, then every experiment below it (the same walk as SQLite's).
      const rows = await sql<ExperimentRow>`
        WITH RECURSIVE up(id, parent_id) AS (
          SELECT id, parent_id FROM experiments WHERE id = ${id}
          UNION SELECT e.id, e.parent_id FROM experiments e JOIN up ON e.id = up.parent_id
        ),
        root AS (SELECT id FROM up WHERE parent_id IS NULL OR parent_id NOT IN (SELECT id FROM experiments)),
        down(id) AS (
          SELECT id FROM root
          UNION SELECT e.id FROM experiments e JOIN down ON e.parent_id = down.id
        )
        SELECT * FROM experiments WHERE id IN (SELECT id FROM down UNION SELECT id FROM up)`.execute(db);
      return toRecords(rows.rows);
    },
    async grantsOf(experimentId) {
      const out: Record<string, GrantRecord> = {};
      for (const g of await grantRows([experimentId])) out[g.username] = { ...grantOfRow(g), viewed: g.viewed };
      return out;
    },
    async saveExperiments(records) {
      if (records.length === 0) return;
      await atomic(db, async (trx) => {
        for (const r of records) {
          await trx
            .insertInto('experiments')
            .values({
              id: r.id,
              owner: r.owner,
              name: r.name,
              public: r.public,
              curated: r.curated,
              parent_id: r.parentId,
              cloned_from: r.clonedFrom,
              project_id: r.projectId,
              trashed: r.trashed,
              created_at: r.createdAt,
              publish_at: r.publishAt ?? null,
            })
            .onConflict((oc) =>
              oc.column('id').doUpdateSet({ owner: r.owner, public: r.public, curated: r.curated, parent_id: r.parentId, project_id: r.projectId, trashed: r.trashed, publish_at: r.publishAt ?? null }),
            )
            .execute();
          const users = Object.keys(r.grants);
          // A grant that stays keeps whether it was viewed; grants that went are removed.
          let gone = trx.deleteFrom('grants').where('experiment_id', '=', r.id);
          if (users.length > 0) gone = gone.where('username', 'not in', users);
          await gone.execute();
          if (users.length > 0) {
            await trx
              .insertInto('grants')
              .values(Object.entries(r.grants).map(([username, g]) => ({ experiment_id: r.id, username, granted_by: g.by, granted_at: g.at, role: roleColumn(g), until_at: g.until ?? null })))
              .onConflict((oc) =>
                oc.columns(['experiment_id', 'username']).doUpdateSet((eb) => ({
                  granted_by: eb.ref('excluded.granted_by'),
                  granted_at: eb.ref('excluded.granted_at'),
                  role: eb.ref('excluded.role'),
                  until_at: eb.ref('excluded.until_at'),
                  // The end-of-access warning was for that end: a new end is warned about again.
                  warned_at: sql<number | null>`CASE WHEN grants.until_at IS NOT DISTINCT FROM excluded.until_at THEN grants.warned_at ELSE NULL END`,
                })),
              )
              .execute();
          }
        }
      });
    },
    async setName(experimentId, name) {
      await db.updateTable('experiments').set({ name }).where('id', '=', experimentId).execute();
    },
    async setViewed(experimentId, username) {
      await db.updateTable('grants').set({ viewed: true }).where('experiment_id', '=', experimentId).where('username', '=', username).execute();
    },
    async experimentsOf(username) {
      const rows = await db
        .selectFrom('experiments')
        .select('id')
        .where('owner', '=', username)
        .union(db.selectFrom('grants').select('experiment_id as id').where('username', '=', username))
        .union(
          db
            .selectFrom('experiments as e')
            .innerJoin('project_members as m', 'm.project_id', 'e.project_id')
            .select('e.id')
            .where('m.username', '=', username),
        )
        .execute();
      return rows.map((r) => r.id);
    },
    async publicExperiments() {
      return (await db.selectFrom('experiments').select('id').where('public', '=', true).where('trashed', '=', false).execute()).map((r) => r.id);
    },
    async clientOwners(clientIds) {
      const out = new Map<number, string>();
      if (clientIds.length === 0) return out;
      for (const r of await db.selectFrom('client_ids').selectAll().where('client_id', 'in', clientIds).execute()) out.set(r.client_id, r.username);
      return out;
    },
    async registerClients(clientIds, username) {
      if (clientIds.length === 0) return;
      await db
        .insertInto('client_ids')
        .values(clientIds.map((client_id) => ({ client_id, username })))
        .onConflict((oc) => oc.column('client_id').doNothing())
        .execute();
    },
    async findIntentResult(username, draftId) {
      const row = await db.selectFrom('intents').select('result').where('username', '=', username).where('draft_id', '=', draftId).executeTakeFirst();
      return row?.result ?? null;
    },
    async saveIntentResult(username, draftId, resultJson, audit, history) {
      await atomic(db, async (trx) => {
        await trx
          .insertInto('intents')
          .values({ username, draft_id: draftId, result: resultJson, created_at: audit.at })
          .onConflict((oc) => oc.columns(['username', 'draft_id']).doNothing())
          .execute();
        await writeAudit(trx, audit);
        if (history) await appendHistory(trx, history);
      });
    },
    async audit(record) {
      await writeAudit(db, record);
    },
    async auditLog(limit) {
      const rows = await db.selectFrom('audit').selectAll().orderBy('seq', 'desc').limit(limit).execute();
      return rows.map((r) => ({
        at: r.at,
        actor: r.actor,
        action: r.action,
        experimentId: r.experiment_id,
        verdict: r.verdict === 'accepted' ? ('accepted' as const) : ('refused' as const),
        code: r.code,
        detail: JSON.parse(r.detail) as unknown,
      }));
    },
    async getProject(id) {
      return loadProject(db, id);
    },
    async saveProject(project, createdAt) {
      await atomic(db, async (trx) => {
        const policy = JSON.stringify(project.policy);
        await trx
          .insertInto('projects')
          .values({ id: project.id, name: project.name, policy, created_at: createdAt })
          .onConflict((oc) => oc.column('id').doUpdateSet({ name: project.name, policy }))
          .execute();
        await trx.deleteFrom('project_members').where('project_id', '=', project.id).execute();
        const members = Object.entries(project.members).map(([username, role]) => ({ project_id: project.id, username, role }));
        if (members.length > 0) await trx.insertInto('project_members').values(members).execute();
      });
    },
    async projectsOf(username) {
      const ids = await db.selectFrom('project_members').select('project_id').where('username', '=', username).execute();
      const out: ProjectState[] = [];
      for (const { project_id } of ids) {
        const project = await loadProject(db, project_id);
        if (project) out.push(project);
      }
      return out;
    },
    async projectExperiments(projectId) {
      return (await db.selectFrom('experiments').select('id').where('project_id', '=', projectId).execute()).map((r) => r.id);
    },
    async sharedProjectCount(x, y) {
      const row = await db
        .selectFrom('project_members as x')
        .innerJoin('project_members as y', 'x.project_id', 'y.project_id')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('x.username', '=', x)
        .where('y.username', '=', y)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async deleteExperiment(id) {
      // Children lose their parent rather than dangle; the blobs stay, shared by content.
      await atomic(db, async (trx) => {
        await trx.deleteFrom('grants').where('experiment_id', '=', id).execute();
        await trx.deleteFrom('curation_requests').where('experiment_id', '=', id).execute();
        await trx.updateTable('experiments').set({ parent_id: null }).where('parent_id', '=', id).execute();
        await trx.deleteFrom('experiments').where('id', '=', id).execute();
      });
    },
    async requestCuration(experimentId, username, at) {
      await db
        .insertInto('curation_requests')
        .values({ experiment_id: experimentId, requested_by: username, requested_at: at })
        .onConflict((oc) => oc.column('experiment_id').doNothing())
        .execute();
    },
    async curationQueue() {
      const rows = await db
        .selectFrom('curation_requests as c')
        .innerJoin('experiments as e', 'e.id', 'c.experiment_id')
        .select(['c.experiment_id', 'c.requested_by', 'c.requested_at', 'e.name', 'e.owner'])
        .where('e.public', '=', true)
        .where('e.trashed', '=', false)
        .orderBy('c.requested_at')
        .execute();
      return rows.map((r) => ({ experimentId: r.experiment_id, name: r.name, owner: r.owner, requestedBy: r.requested_by, requestedAt: r.requested_at }));
    },
    async clearCurationRequest(experimentId) {
      await db.deleteFrom('curation_requests').where('experiment_id', '=', experimentId).execute();
    },
  };
}
