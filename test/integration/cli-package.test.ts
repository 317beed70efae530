import { execFile } from 'node:child_process';
import { copyFile, readdir, mkdir, mkdtemp, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { cli } from './cli-helpers.ts';
import { spawnServer } from './support/server-process.ts';

/**
 * The package `npm pack` makes, installed into an empty folder, runs `cytoshare`: help, a
 * server of its own on 127.0.0.1, and client commands against it, from the compiled dist/
 * alone (the package holds no TypeScript, so nothing can fall back to compiling it).
 *
 * Installed without the network: `npm install --offline <tarball>` cannot work here, as npm
 * must read each dependency's registry metadata to resolve it and `npm ci` caches only the
 * tarballs. So the tarball is unpacked where npm puts a package (node_modules/cytoshare),
 * its declared dependencies are linked to this checkout's installed copies (as npm would
 * place them at the top of node_modules) and its bin is linked into node_modules/.bin.
 */
const REPO = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
const PackJson = z.array(z.object({ filename: z.string(), files: z.array(z.object({ path: z.string() })) }));
const Manifest = z.object({ bin: z.record(z.string(), z.string()), dependencies: z.record(z.string(), z.string()) });

let root: string;
let bin: string;
let packed: string[];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'cytoshare-pack-'));
  // `npm pack` runs `prepare`, which compiles dist/, as it would for a release.
  // --offline and no update check: npm must not reach for the registry here.
  const { stdout } = await run('npm', ['pack', '--json', '--offline', '--pack-destination', root], {
    cwd: REPO,
    timeout: 120_000,
    maxBuffer: 8 << 20,
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
  const [pack] = PackJson.parse(JSON.parse(stdout));
  if (!pack) throw new Error('npm pack made no package');
  packed = pack.files.map((f) => f.path);
  const app = join(root, 'app');
  const home = join(app, 'node_modules', 'cytoshare');
  await mkdir(home, { recursive: true });
  await run('tar', ['-xzf', join(root, pack.filename), '-C', home, '--strip-components=1'], { timeout: 30_000 });
  const manifest = Manifest.parse(JSON.parse(await readFile(join(home, 'package.json'), 'utf8')));
  for (const name of Object.keys(manifest.dependencies)) {
    const link = join(app, 'node_modules', name);
    await mkdir(dirname(link), { recursive: true });
    await symlink(join(REPO, 'node_modules', name), link, 'dir');
  }
  await mkdir(join(app, 'node_modules', '.bin'));
  bin = join(app, 'node_modules', '.bin', 'cytoshare');
  await symlink(join('..', 'cytoshare', manifest.bin.cytoshare as string), bin);
}, 180_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('the packed cytoshare package', () => {
  it('holds the compiled command and no TypeScript', async () => {
    expect(packed).toContain('dist/cli.mjs');
    expect(packed).toContain('extension/cli/cytoshare.mjs');
    expect(packed.filter((path) => path.endsWith('.ts'))).toEqual([]);
    const installed = await readdir(join(root, 'app', 'node_modules', 'cytoshare', 'dist', 'chunks'));
    expect(installed).toContain('checkpointer.mjs');
  });

  it('prints its help, runs a server on 127.0.0.1 and talks to it', async () => {
    const help = await cli(['--help'], undefined, 15_000, bin);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^cytoshare — share cytometry experiments/);

    const data = join(root, 'data');
    const server = await spawnServer(data, [], bin);
    try {
      const added = await cli(['admin', '--data', data, 'add-user', 'pat', '--email', 'pat@lab.example', '--password-stdin', '--verified'], 'a long password\n', 15_000, bin);
      expect(added.code).toBe(0);
      const as = (args: string[], input?: string) => cli([...args, '--json', '--server', server.url, '--profile', join(root, 'profile')], input, 15_000, bin);
      expect((await as(['login', 'pat', '--password-stdin'], 'a long password\n')).code).toBe(0);
      const made = await as(['exp', 'create', 'Packed run']);
      expect(made.code).toBe(0);
      const listed = await as(['exp', 'list']);
      expect(listed.code).toBe(0);
      expect(listed.json).toEqual([expect.objectContaining({ id: made.json.id, name: 'Packed run', owner: 'pat' })]);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    } finally {
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
    }
  });
});

describe('the cytoshare launcher in a checkout', () => {
  it('runs the compiled build while it is current, and the sources once one of them is newer', async () => {
    // A checkout in miniature: the real launcher, a "build" and a "source" that say which ran.
    const tree = join(root, 'checkout');
    await mkdir(join(tree, 'extension', 'cli'), { recursive: true });
    await mkdir(join(tree, 'dist'));
    await copyFile(join(REPO, 'extension', 'cli', 'cytoshare.mjs'), join(tree, 'extension', 'cli', 'cytoshare.mjs'));
    await symlink(join(REPO, 'node_modules'), join(tree, 'node_modules'), 'dir');
    await writeFile(join(tree, 'package.json'), '{ "type": "module" }\n');
    const source = join(tree, 'extension', 'cli', 'entry.ts');
    await writeFile(source, "export async function run(argv: string[]): Promise<number> { console.log(`sources ${argv.join(' ')}`); return 0; }\n");
    await writeFile(join(tree, 'dist', 'cli.mjs'), "export async function run(argv) { console.log(`built ${argv.join(' ')}`); return 0; }\n");
    await writeFile(join(tree, 'dist', 'sources.json'), JSON.stringify(['extension/cli/entry.ts']));
    const launcher = join(tree, 'extension', 'cli', 'cytoshare.mjs');
    const hourAgo = new Date(Date.now() - 3_600_000);
    await utimes(source, hourAgo, hourAgo);
    expect((await cli(['x'], undefined, 15_000, launcher)).stdout).toBe('built x\n');
    await utimes(source, new Date(), new Date());
    expect((await cli(['y'], undefined, 15_000, launcher)).stdout).toBe('sources y\n');
    await rm(join(tree, 'dist'), { recursive: true });
    expect((await cli(['z'], undefined, 15_000, launcher)).stdout).toBe('sources z\n');
  });
});
