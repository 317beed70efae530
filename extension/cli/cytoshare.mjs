#!/usr/bin/env node
// Runs the TypeScript CLI directly: tsx compiles on the fly, so there is no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
const status = await main(process.argv.slice(2));
// Exit explicitly: open handles (sockets being torn down, timers) must not keep a script waiting.
process.exit(status);
