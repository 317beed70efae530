import { execFile } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, world, type World } from './cli-helpers.ts';
import { writeLargeArchive, writeLargeFcs } from './support/large-archive.ts';

/**
 * `cytoshare import` of a large archive, and `file add` of a large file, hold a small, fixed
 * amount of it in memory: the archive's directory and each entry are read from the file in
 * pieces, hashed as they pass, FCS entries written to temporary files, and files uploaded as
 * streams from disk. Each command runs in a child process that reports its resident memory
 * before the command and at its peak (support/cli-memory.ts).
 */
const MB = 1024 * 1024;
const RUNNER = resolve(import.meta.dirname, 'support/cli-memory.ts');

type Memory = { rssBefore: number; rssPeak: number; arrayBuffersBefore: number; arrayBuffersPeak: number };

function measured(w: World, user: string, command: string[]): Promise<{ code: number; stderr: string; json: { id: string; files: number }; memory: Memory }> {
  const args = ['--import', 'tsx', RUNNER, ...command, '--json', '--server', w.url, '--profile', join(w.root, `profile-${user}`)];
  return new Promise((done, fail) => {
    execFile(process.execPath, args, { timeout: 240_000, maxBuffer: 16 * MB, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      const line = /CLI_MEMORY (\{.*\})/.exec(stderr);
      if (!line) return fail(new Error(`no memory report (${error?.message ?? 'exit 0'}): ${stderr.slice(0, 1000)}`));
      done({ code: error ? Number(error.code ?? -1) : 0, stderr, json: JSON.parse(stdout), memory: JSON.parse(line[1]!) });
    });
  });
}

function expectHeldBelow({ rssBefore, rssPeak, arrayBuffersBefore, arrayBuffersPeak }: Memory, size: number, what: string): void {
  console.log(`${what} of ${(size / MB).toFixed(0)} MB: RSS ${(rssBefore / MB).toFixed(0)} → peak ${(rssPeak / MB).toFixed(0)} MB, ArrayBuffers ${(arrayBuffersBefore / MB).toFixed(0)} → peak ${(arrayBuffersPeak / MB).toFixed(0)} MB`);
  expect(rssPeak - rssBefore).toBeLessThan(size / 2);
  expect(arrayBuffersPeak - arrayBuffersBefore).toBeLessThan(size / 4);
}

describe('cytoshare import of a large archive, and file add of a large file', () => {
  let w: World;
  beforeAll(async () => {
    w = await world(['bob']);
    expect((await w.login('bob')).code).toBe(0);
  }, 60_000);
  afterAll(() => cleanup(w));

  it('imports ~256 MB of FCS files while its memory grows by far less than half the archive', async () => {
    const zip = join(w.root, 'large.zip');
    try {
      await writeLargeArchive(zip, { files: 4, bytesPerFile: 64 * MB, owner: 'bob' });
      const size = statSync(zip).size;
      expect(size).toBeGreaterThan(250 * MB);

      const run = await measured(w, 'bob', ['import', zip]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.json.files).toBe(4);
      const copy = (await w.as('bob', ['exp', 'show', run.json.id])).json;
      expect(copy.files.map((f: { name: string }) => f.name).sort()).toEqual(['tube-1.fcs', 'tube-2.fcs', 'tube-3.fcs', 'tube-4.fcs']);

      expectHeldBelow(run.memory, size, 'import');
    } finally {
      rmSync(zip, { force: true });
    }
  }, 300_000);

  it('uploads a ~256 MB file with file add while its memory grows by far less than half the file', async () => {
    const path = join(w.root, 'big.fcs');
    try {
      await writeLargeFcs(path, 256 * MB);
      const size = statSync(path).size;
      const exp = (await w.as('bob', ['exp', 'create', 'Large file'])).json.id as string;
      const run = await measured(w, 'bob', ['file', 'add', exp, path]);
      expect(run.code, run.stderr).toBe(0);
      expect((await w.as('bob', ['exp', 'show', exp])).json.files.map((f: { name: string }) => f.name)).toEqual(['big.fcs']);
      expectHeldBelow(run.memory, size, 'file add');
    } finally {
      rmSync(path, { force: true });
    }
  }, 300_000);
});
