import { readFileSync } from 'node:fs';

/**
 * This process's peak resident memory in kB: VmHWM of /proc/self/status. getrusage's maxrss
 * keeps the parent's resident size from before exec on Linux, so a large parent would show
 * there; it is the fallback off Linux.
 */
export function peakRssKb(): number {
  try {
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return Number(hwm[1]);
  } catch {
    // Not Linux: fall back to getrusage.
  }
  return process.resourceUsage().maxRSS;
}
