import { createHash } from 'node:crypto';
import type { Sha256Hex } from './history-chain.ts';

/** The chain's SHA-256 for Node (server and CLI); the browser never recomputes a chain. */
export const sha256Hex: Sha256Hex = (text) => createHash('sha256').update(text, 'utf8').digest('hex');
