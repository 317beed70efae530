/**
 * Asks `probe` again (every 25 ms) until it answers something, and returns that; for what only
 * an asynchronous call can see (a CLI run, a store read). Bounded: fails the test after `ms`.
 */
export async function until<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 8_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
