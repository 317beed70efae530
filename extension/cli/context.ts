import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import WebSocket from 'ws';
import { CytoshareCore } from '../core/core.ts';
import { flag, has, type ParsedArgs } from './args.ts';
import { FileStore } from './file-store.ts';
import { nodeFetch } from './node-fetch.ts';
import type { Output } from './output.ts';

/** What every command handler receives: the parsed line, the output and a lazily opened core. */
export type Ctx = {
  args: ParsedArgs;
  out: Output;
  server: string;
  profile: string;
  offline: boolean;
  core(): Promise<CytoshareCore>;
  close(): Promise<void>;
};

export const DEFAULT_SERVER = 'http://127.0.0.1:8787';

export function makeCtx(args: ParsedArgs, out: Output): Ctx {
  const server = (flag(args, 'server') ?? DEFAULT_SERVER).replace(/\/+$/, '');
  const profile = resolve(flag(args, 'profile') ?? join(homedir(), '.cytoshare'));
  let core: CytoshareCore | null = null;
  return {
    args,
    out,
    server,
    profile,
    offline: has(args, 'offline'),
    async core() {
      core ??= await CytoshareCore.open({ store: await FileStore.open(profile), server, WebSocketPolyfill: WebSocket, fetch: nodeFetch });
      return core;
    },
    async close() {
      await core?.store.close();
    },
  };
}
