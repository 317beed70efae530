/**
 * Uploads in flight per account. An upload holds its slot from before its first byte is read
 * until it is answered (or its socket dies), so one account cannot keep many bodies open.
 */
export class UploadSlots {
  private readonly inFlight = new Map<string, number>();

  /** A release function, or null when the account already has `max` uploads in flight. */
  take(account: string, max: number): (() => void) | null {
    const now = this.inFlight.get(account) ?? 0;
    if (now >= max) return null;
    this.inFlight.set(account, now + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inFlight.get(account) ?? 1) - 1;
      if (left <= 0) this.inFlight.delete(account);
      else this.inFlight.set(account, left);
    };
  }

  count(account: string): number {
    return this.inFlight.get(account) ?? 0;
  }
}
