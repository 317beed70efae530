import { sql, type Kysely } from 'kysely';
import { likePattern } from './catalog-search.ts';
import type { PgSchema } from './pg-schema.ts';
import type { CatalogRow, StoreTx } from './store.ts';

type CatalogPart = Pick<StoreTx, 'publicCatalogPage'>;

/** Pages of the public catalog on PostgreSQL (the same answers as sqlite-catalog.ts). */
export function pgCatalog(db: Kysely<PgSchema>): CatalogPart {
  return {
    async publicCatalogPage({ words, curated, after, limit }): Promise<CatalogRow[]> {
      let q = db
        .selectFrom('experiments')
        .select(['id', 'name', 'owner', 'curated', 'project_id', 'parent_id', 'created_at'])
        .where('public', '=', true)
        .where('trashed', '=', false);
      if (curated) q = q.where('curated', '=', true);
      // Byte order, as SQLite's default collation, so both adapters page alike.
      if (after) q = q.where(sql<boolean>`(name COLLATE "C", id COLLATE "C") > (${after.name} COLLATE "C", ${after.id} COLLATE "C")`);
      for (const word of words) {
        const pattern = likePattern(word);
        q = q.where((eb) => eb.or([eb('name', 'ilike', pattern), eb('owner', 'ilike', pattern)]));
      }
      const rows = await q.orderBy(sql`name COLLATE "C"`).orderBy(sql`id COLLATE "C"`).limit(limit).execute();
      return rows.map((r) => ({ id: r.id, name: r.name, owner: r.owner, curated: r.curated, projectId: r.project_id, parentId: r.parent_id, createdAt: r.created_at }));
    },
  };
}
