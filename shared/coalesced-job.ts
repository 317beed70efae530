/**
 * Runs an async job one at a time without losing a request: a call that arrives while the job
 * runs asks for one more run after it (however many calls came), instead of being dropped.
 * For "something changed, look again" jobs, where the latest state is what counts and the calls
 * themselves carry nothing: the extension's live mode, the server's expiry timer.
 */
export class Coalesced {
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly work: () => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  get busy(): boolean {
    return this.running !== null;
  }

  /** Resolves once a run that started after this call has finished; never rejects. */
  run(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.work();
        } catch (error) {
          this.onError(error);
        }
      } while (this.again);
      this.running = null;
    })();
    return this.running;
  }

  /** Resolves once no run is in progress, without asking for one; never rejects. */
  async idle(): Promise<void> {
    await this.running;
  }
}
