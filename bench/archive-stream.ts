/**
 * Experiment archives with large FCS files: `cytoshare export` and `import` against the plain
 * per-file download and upload of the same bytes, and their peak memory against the files' size.
 *
 *   npx tsx bench/archive-stream.ts [--mb 1024] [--files 4]
 *
 * Writes `--files` float32 FCS files adding up to `--mb` MB (default 1 GiB in 4 files; the
 * values are pseudo-random, so nothing compresses), starts a real server on 127.0.0.1 (port 0)
 * in this process, and runs every CLI command as a child process whose peak RSS it reads
 * (bench/lib/cli-rss.ts). It times:
 *   upload      `file add` of every file: the reference for import
 *   download    `file get` of every file: the reference for export
 *   export      `export ID --out x.zip`
 *   import      `import x.zip` as another user (every hash checked, FCS entries to temporary
 *               files, then uploaded)
 * and prints MB/s (each command's own time, without Node's start-up), each time's ratio to
 * its reference, each command's peak RSS over the total file size, and the peak RSS of export
 * and import against the same commands on an experiment 1/16 the size. Targets: export ≤ 1.3x
 * download, import ≤ 2.5x upload (it reads the archive and writes temporary files before it
 * uploads), peak RSS ratio ≤ 1.2 (flat in the file size).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { addUser } from '../sync-server/admin.ts';
import { startServer } from '../sync-server/server.ts';
import { fmt, table } from './lib/stats.ts';
import { writeLargeFcs } from '../test/integration/support/large-archive.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const TOTAL_MB = arg('mb', 1024);
const FILES = arg('files', 4);
const PASSWORD = 'correct horse battery bench';
const CLI = resolve(import.meta.dirname, 'lib/cli-rss.ts');

type Run = { code: number; stdout: string; stderr: string; seconds: number; rssMB: number };

function cli(root: string, server: string, user: string, args: string[], input = ''): Promise<Run> {
  const started = performance.now();
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', CLI, ...args, '--json', '--server', server, '--profile', join(root, `profile-${user}`)],
      { maxBuffer: 64 * 1024 * 1024, timeout: 60 * 60_000 },
      (error, stdout, stderr) => {
        const rss = /BENCH_MAXRSS (\d+)/.exec(stderr);
        const own = /BENCH_SECONDS ([\d.]+)/.exec(stderr);
        const seconds = own ? Number(own[1]) : (performance.now() - started) / 1000;
        done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr, seconds, rssMB: rss ? Number(rss[1]) / 1024 : NaN });
      },
    );
    child.stdin?.end(input);
  });
}

function must(run: Run, what: string): Run {
  if (run.code !== 0) throw new Error(`${what} failed (${run.code}): ${run.stderr.slice(0, 500)}`);
  return run;
}

/** A float32 FCS file of about `mb` MB whose values do not repeat (so no compression helps), written as a stream. */
async function bigFcs(path: string, mb: number, seed: number): Promise<number> {
  await writeLargeFcs(path, mb * 1024 * 1024, seed);
  return statSync(path).size;
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'cytoshare-bench-archive-'));
  const dataDir = join(root, 'data');
  const server = await startServer({ dataDir, host: '127.0.0.1', port: 0, mode: 'enterprise' });
  const url = `http://127.0.0.1:${server.port}`;
  try {
    for (const user of ['ann', 'bob']) {
      await addUser(dataDir, { username: user, email: `${user}@bench.example`, password: PASSWORD, verified: true });
      must(await cli(root, url, user, ['login', user, '--password-stdin'], `${PASSWORD}\n`), 'login');
    }
    const paths: string[] = [];
    let bytes = 0;
    for (let i = 0; i < FILES; i++) {
      const path = join(root, `tube-${i + 1}.fcs`);
      bytes += await bigFcs(path, TOTAL_MB / FILES, i + 1);
      paths.push(path);
    }
    const mb = bytes / 1024 / 1024;
    console.log(`archive-stream: ${FILES} FCS files, ${fmt(mb)} MB in all`);

    const idle = must(await cli(root, url, 'ann', ['whoami']), 'whoami');
    const exp = JSON.parse(must(await cli(root, url, 'ann', ['exp', 'create', 'Archive bench']), 'create').stdout).id as string;
    let upload = 0;
    let uploadRss = 0;
    const fileIds: string[] = [];
    for (const path of paths) {
      const added = must(await cli(root, url, 'ann', ['file', 'add', exp, path]), 'file add');
      upload += added.seconds;
      uploadRss = Math.max(uploadRss, added.rssMB);
      fileIds.push(JSON.parse(added.stdout).fileId);
    }
    must(await cli(root, url, 'ann', ['tag', exp, 'tube-1.fcs', 'Donor', 'D1']), 'tag');
    must(await cli(root, url, 'ann', ['gate', 'add', exp, 'G', '--x', 'CH1', '--y', 'CH2', '--rect', '0,0,1000,1000']), 'gate');
    let download = 0;
    let downloadRss = 0;
    for (const id of fileIds) {
      const got = must(await cli(root, url, 'ann', ['file', 'get', exp, id, '--out', join(root, 'download.fcs')]), 'file get');
      download += got.seconds;
      downloadRss = Math.max(downloadRss, got.rssMB);
      rmSync(join(root, 'download.fcs'));
    }
    const zip = join(root, 'bench.zip');
    const exported = must(await cli(root, url, 'ann', ['export', exp, '--out', zip]), 'export');
    const imported = must(await cli(root, url, 'bob', ['import', zip]), 'import');

    // The same commands on an experiment 1/16 the size: flat memory means the same peak.
    const smallMb = Math.max(16, TOTAL_MB / 16);
    const small = JSON.parse(must(await cli(root, url, 'ann', ['exp', 'create', 'Archive bench (small)']), 'create').stdout).id as string;
    const smallPath = join(root, 'small', 'tube-small.fcs');
    mkdirSync(join(root, 'small'));
    await bigFcs(smallPath, smallMb, 99);
    must(await cli(root, url, 'ann', ['file', 'add', small, smallPath]), 'file add');
    const smallZip = join(root, 'small.zip');
    const smallExport = must(await cli(root, url, 'ann', ['export', small, '--out', smallZip]), 'export');
    const smallImport = must(await cli(root, url, 'bob', ['import', smallZip]), 'import');

    // Times are the commands' own (without Node's start-up and the TypeScript compile).
    const row = (name: string, seconds: number, rss: number, reference: number | null) => [
      name, fmt(seconds, 2), fmt(mb / seconds), reference === null ? '—' : `${fmt(seconds / reference, 2)}x`, fmt(rss), fmt(rss / mb, 3),
    ];
    console.log(table(['phase', 's', 'MB/s', 'vs reference', 'peak RSS MB', 'RSS / size'], [
      ['idle (whoami)', fmt(idle.seconds, 2), '—', '—', fmt(idle.rssMB), fmt(idle.rssMB / mb, 3)],
      row('upload (file add ×n)', upload, uploadRss, null),
      row('download (file get ×n)', download, downloadRss, null),
      row('export', exported.seconds, exported.rssMB, download),
      row('import', imported.seconds, imported.rssMB, upload),
    ]));
    console.log(`peak RSS at ${fmt(mb, 0)} MB vs at ${fmt(smallMb, 0)} MB of files: export ${fmt(exported.rssMB / smallExport.rssMB, 2)}x, import ${fmt(imported.rssMB / smallImport.rssMB, 2)}x`);
    console.log(`archive ${fmt(statSync(zip).size / 1024 / 1024)} MB; targets: export ≤ 1.3x download, import ≤ 2.5x upload, peak RSS ratios ≤ 1.2 (flat in the file size)`);
  } finally {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
