import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

/**
 * Pins a process (every thread of it) to one CPU with util-linux `taskset`. On a 2-core machine
 * the load generator and the server under test otherwise take turns on both cores, and the
 * server's work after it has relayed an update delays the generator reading it: a cost of
 * the test rig, not of the server, since real clients do not share its CPU. Both servers are
 * pinned alike. Returns false, and changes nothing, where it cannot be done.
 */
export function pinToCpu(pid: number, cpu: number): boolean {
  if (availableParallelism() < 2) return false;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The generator runs on CPU 0, each server on CPU 1. */
export const GENERATOR_CPU = 0;
export const SERVER_CPU = 1;
