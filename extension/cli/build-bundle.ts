import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { build, type Metafile, type OutputFile } from 'esbuild';

/**
 * Compiles the `cytoshare` command (and the sync server it can run) into plain JavaScript in
 * `dist/`, so a call starts without compiling TypeScript (tsx costs about 0.6 s a call).
 * Run by `npm run build:cli`, and so by `prepare` on every `npm ci`, `npm install` and `npm pack`.
 *
 *   dist/cli.mjs         the entry: `--help` is answered from it alone, the rest loads on demand
 *   dist/server.mjs      `startServer` for programs that embed the server; `cytoshare server` loads it
 *   dist/chunks/*.mjs    code shared by the two, split so each command loads only what it uses
 *   dist/sources.json    the project files compiled in: cytoshare.mjs runs the sources through
 *                        tsx instead when one of them is newer (a checkout edited since the build)
 *
 * npm dependencies are compiled in (one file to read instead of hundreds to resolve), except
 * native and optional ones and the server's heavy ones, which stay in node_modules.
 */
export const ROOT = resolve(import.meta.dirname, '../..');
export const DIST = join(ROOT, 'dist');

const EXTERNAL = ['better-sqlite3', 'pg', 'pg-native', 'nodemailer', 'bufferutil', 'utf-8-validate'];

/** CommonJS dependencies call `require`; an ES module has none until it makes one. */
const BANNER = "import { createRequire as __cytoshareRequire } from 'node:module'; const require = __cytoshareRequire(import.meta.url);";

/** `new URL('./worker.mjs', import.meta.url)`: a file loaded beside the code, copied there. */
const SIBLING_URL = /new URL\(\s*["']\.\/([\w.-]+)["']\s*,\s*import\.meta\.url\s*\)/g;

export type BuildReport = { files: string[]; sources: number };

export async function buildCli(outDir = DIST): Promise<BuildReport> {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { cli: 'extension/cli/entry.ts', server: 'sync-server/server.ts' },
    outdir: outDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    external: EXTERNAL,
    banner: { js: BANNER },
    minifyWhitespace: true,
    minifySyntax: true,
    metafile: true,
    write: false,
    logLevel: 'warning',
  });
  const sources = projectSources(result.metafile);
  const assets = await siblingAssets(result.outputFiles, sources);
  // Chunks before the entries that import them, each file renamed into place whole, so a
  // command started while this runs never reads half a file.
  const isEntry = (path: string) => dirname(path) === outDir;
  const ordered = [...result.outputFiles].sort((a, b) => Number(isEntry(a.path)) - Number(isEntry(b.path)));
  for (const file of ordered) await writeWhole(file.path, file.contents);
  for (const asset of assets) await writeWhole(asset.path, asset.contents);
  await writeWhole(join(outDir, 'sources.json'), `${JSON.stringify(sources)}\n`);
  const written = new Set([...ordered.map((f) => f.path), ...assets.map((a) => a.path), join(outDir, 'sources.json')]);
  await removeStale(outDir, written);
  return { files: [...written].map((path) => relative(ROOT, path)).sort(), sources: sources.length };
}

/** The project's own files in the bundle (node_modules excluded), relative to the root. */
function projectSources(metafile: Metafile): string[] {
  return Object.keys(metafile.inputs)
    .map((input) => relative(ROOT, resolve(ROOT, input)))
    .filter((path) => !path.startsWith('..') && !path.split('/').includes('node_modules'))
    .sort();
}

/**
 * Every `new URL('./name', import.meta.url)` left in the output names a file that must sit
 * beside the output file: find the source that references it and copy the file from there.
 * A reference that cannot be resolved fails the build (the server would lose a worker thread).
 */
async function siblingAssets(outputs: OutputFile[], sources: string[]): Promise<Array<{ path: string; contents: Uint8Array }>> {
  const wanted = new Map<string, string>();
  for (const output of outputs) {
    for (const match of output.text.matchAll(SIBLING_URL)) wanted.set(join(dirname(output.path), match[1] as string), match[1] as string);
  }
  const assets: Array<{ path: string; contents: Uint8Array }> = [];
  for (const [path, name] of wanted) {
    const homes: string[] = [];
    for (const source of sources) {
      const text = await readFile(join(ROOT, source), 'utf8');
      if ([...text.matchAll(SIBLING_URL)].some((m) => m[1] === name)) homes.push(join(ROOT, dirname(source), name));
    }
    const unique = [...new Set(homes)];
    if (unique.length !== 1) throw new Error(`${name} is loaded by URL from ${unique.length} source folders; expected one`);
    assets.push({ path, contents: await readFile(unique[0] as string) });
  }
  return assets;
}

async function writeWhole(path: string, contents: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await writeFile(temp, contents);
  await rename(temp, path);
}

/** Chunk names carry a content hash: chunks of earlier builds are removed. */
async function removeStale(outDir: string, keep: Set<string>): Promise<void> {
  for (const folder of [outDir, join(outDir, 'chunks')]) {
    const names = await readdir(folder).catch(() => [] as string[]);
    for (const name of names) {
      const path = join(folder, name);
      if ((name.endsWith('.mjs') || name.includes('.tmp-')) && !keep.has(path)) await rm(path, { force: true });
    }
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const started = performance.now();
  const report = await buildCli();
  // On stderr: `npm pack --json` runs this and its stdout must stay JSON.
  console.error(`cytoshare: compiled ${report.sources} source files into ${report.files.length} files in dist/ (${Math.round(performance.now() - started)} ms)`);
}
