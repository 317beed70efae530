import { postgresBinaries, startCluster } from './pg-cluster.ts';

/**
 * Vitest global setup: gives the tests a PostgreSQL cluster in CYTOSHARE_TEST_PG (a URL to its
 * `postgres` database). One given from outside is used as it is; otherwise a throwaway cluster
 * is started here when the binaries exist, and stopped when the run ends. Without binaries the
 * PostgreSQL tests skip and say why, unless CYTOSHARE_REQUIRE_PG is set (CI): then the run fails.
 */
export default async function setup(): Promise<(() => void) | undefined> {
  if (process.env['CYTOSHARE_TEST_PG']) return undefined;
  const bin = postgresBinaries();
  if (!bin) {
    if (process.env['CYTOSHARE_REQUIRE_PG']) throw new Error('CYTOSHARE_REQUIRE_PG is set but no PostgreSQL binaries were found (apt-get install postgresql)');
    return undefined;
  }
  const cluster = await startCluster(bin);
  process.env['CYTOSHARE_TEST_PG'] = cluster.url;
  return () => cluster.stop();
}
