import type Database from 'better-sqlite3';
import type { ReviewLinkRecord, StoreTx } from './store.ts';

type ReviewLinkPart = Pick<StoreTx, 'saveReviewLink' | 'findReviewLink' | 'reviewLinksOf' | 'revokeReviewLink'>;

type Row = {
  id: string;
  experiment_id: string;
  secret_hash: string;
  created_by: string;
  created_at: number;
  expires_at: number | null;
  download: number;
  revoked_at: number | null;
};

const toLink = (r: Row): ReviewLinkRecord => ({
  id: r.id,
  experimentId: r.experiment_id,
  secretHash: r.secret_hash,
  createdBy: r.created_by,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  download: r.download === 1,
  revokedAt: r.revoked_at,
});

export function sqliteReviewLinks(db: Database.Database): ReviewLinkPart {
  const st = {
    save: db.prepare(`INSERT INTO review_links (id, experiment_id, secret_hash, created_by, created_at, expires_at, download, revoked_at)
      VALUES (@id, @experimentId, @secretHash, @createdBy, @createdAt, @expiresAt, @download, @revokedAt)`),
    find: db.prepare<[string], Row>('SELECT * FROM review_links WHERE id = ?'),
    of: db.prepare<[string], Row>('SELECT * FROM review_links WHERE experiment_id = ? ORDER BY created_at DESC, id'),
    revoke: db.prepare<[number, string]>('UPDATE review_links SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
  };
  return {
    async saveReviewLink(link) {
      st.save.run({ ...link, download: link.download ? 1 : 0 });
    },
    async findReviewLink(id) {
      const row = st.find.get(id);
      return row ? toLink(row) : null;
    },
    async reviewLinksOf(experimentId) {
      return st.of.all(experimentId).map(toLink);
    },
    async revokeReviewLink(id, at) {
      return st.revoke.run(at, id).changes === 1;
    },
  };
}
