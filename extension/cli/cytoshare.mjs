#!/usr/bin/env node
// Starts the compiled command (dist/cli.mjs, built by `npm run build:cli`, which `npm ci`,
// `npm install` and `npm pack` run). In a checkout whose sources changed since that build, or
// that was never built, the TypeScript sources run instead through tsx (slower to start, the
// same behaviour), so a stale build never answers for edited code.
import { readFileSync, statSync } from 'node:fs';

const root = new URL('../../', import.meta.url);
const bundle = new URL('dist/cli.mjs', root);

/** The build is current when no source it compiled (listed by the build) is newer than it. */
function builtIsCurrent() {
  let builtAt;
  try {
    builtAt = statSync(bundle).mtimeMs;
  } catch {
    return false;
  }
  let sources;
  try {
    sources = JSON.parse(readFileSync(new URL('dist/sources.json', root), 'utf8'));
  } catch {
    return true; // an installed package ships no sources and no list of them
  }
  for (const source of sources) {
    try {
      if (statSync(new URL(source, root)).mtimeMs > builtAt) return false;
    } catch {
      return false; // a source removed since the build
    }
  }
  return true;
}

let entry;
if (builtIsCurrent()) {
  entry = await import(bundle.href);
} else {
  if (process.stderr.isTTY) process.stderr.write('cytoshare: running the TypeScript sources (npm run build:cli makes it start faster)\n');
  const { register } = await import('tsx/esm/api');
  register();
  entry = await import('./entry.ts');
}
const status = await entry.run(process.argv.slice(2));
// Exit explicitly: open handles (sockets being torn down, timers) must not keep a script waiting.
process.exit(status);
