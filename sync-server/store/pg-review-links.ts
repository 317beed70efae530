import type { Kysely } from 'kysely';
import type { PgSchema } from './pg-schema.ts';
import type { ReviewLinkRecord, StoreTx } from './store.ts';

type ReviewLinkPart = Pick<StoreTx, 'saveReviewLink' | 'findReviewLink' | 'reviewLinksOf' | 'revokeReviewLink'>;

const toLink = (r: PgSchema['review_links']): ReviewLinkRecord => ({
  id: r.id,
  experimentId: r.experiment_id,
  secretHash: r.secret_hash,
  createdBy: r.created_by,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  download: r.download,
  revokedAt: r.revoked_at,
});

/** Reviewer links on PostgreSQL (the same records as sqlite-review-links.ts). */
export function pgReviewLinks(db: Kysely<PgSchema>): ReviewLinkPart {
  return {
    async saveReviewLink(link) {
      await db
        .insertInto('review_links')
        .values({
          id: link.id,
          experiment_id: link.experimentId,
          secret_hash: link.secretHash,
          created_by: link.createdBy,
          created_at: link.createdAt,
          expires_at: link.expiresAt,
          download: link.download,
          revoked_at: link.revokedAt,
        })
        .execute();
    },
    async findReviewLink(id) {
      const row = await db.selectFrom('review_links').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toLink(row) : null;
    },
    async reviewLinksOf(experimentId) {
      const rows = await db.selectFrom('review_links').selectAll().where('experiment_id', '=', experimentId).orderBy('created_at', 'desc').orderBy('id').execute();
      return rows.map(toLink);
    },
    async revokeReviewLink(id, at) {
      const r = await db.updateTable('review_links').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
  };
}
