import type Database from 'better-sqlite3';
import { likePattern } from './catalog-search.ts';
import type { CatalogRow, StoreTx } from './store.ts';

type CatalogPart = Pick<StoreTx, 'publicCatalogPage'>;
type Row = { id: string; name: string; owner: string; curated: number; project_id: string | null; parent_id: string | null; created_at: number };

/** Pages of the public catalog from the SQLite file (the same answers as pg-catalog.ts). */
export function sqliteCatalog(db: Database.Database): CatalogPart {
  return {
    async publicCatalogPage({ words, curated, after, limit }): Promise<CatalogRow[]> {
      const where = ['public = 1', 'trashed = 0'];
      const params: (string | number)[] = [];
      if (curated) where.push('curated = 1');
      if (after) {
        where.push('(name, id) > (?, ?)');
        params.push(after.name, after.id);
      }
      // LIKE ignores ASCII case in SQLite, as ILIKE does in PostgreSQL.
      for (const word of words) {
        where.push(`(name LIKE ? ESCAPE '\\' OR owner LIKE ? ESCAPE '\\')`);
        params.push(likePattern(word), likePattern(word));
      }
      const sql = `SELECT id, name, owner, curated, project_id, parent_id, created_at FROM experiments INDEXED BY experiments_catalog
        WHERE ${where.join(' AND ')} ORDER BY name, id LIMIT ?`;
      const rows = db.prepare<(string | number)[], Row>(sql).all(...params, limit);
      return rows.map((r) => ({ id: r.id, name: r.name, owner: r.owner, curated: r.curated === 1, projectId: r.project_id, parentId: r.parent_id, createdAt: r.created_at }));
    },
  };
}
