import { writeFileSync } from 'node:fs';
import { postgresBinaries, startCluster } from './pg-cluster.ts';

/**
 * `tsx test/support/pg-cluster-keeper.ts URL_FILE`: starts a throwaway cluster, writes its URL
 * to URL_FILE, and stops it when signalled or when its parent (.ci/test) is gone, so one
 * cluster serves every test tier of a CI run.
 */
const [urlFile] = process.argv.slice(2);
if (!urlFile) throw new Error('usage: pg-cluster-keeper URL_FILE');
const bin = postgresBinaries();
if (!bin) {
  console.error('no PostgreSQL binaries (apt-get install postgresql)');
  process.exit(1);
}
const cluster = await startCluster(bin);
let stopped = false;
const stop = () => {
  if (stopped) return;
  stopped = true;
  cluster.stop();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('SIGHUP', stop);
writeFileSync(urlFile, cluster.url);
const parent = process.ppid;
// Orphaned (the CI script was killed with -9): nobody will signal this process, so it checks.
setInterval(() => {
  try {
    process.kill(parent, 0);
  } catch {
    stop();
  }
}, 1_000);
