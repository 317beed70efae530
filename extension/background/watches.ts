/**
 * Which experiments the open pages show, so live mode keeps exactly those sockets open. Each
 * page sends its whole set over its change Port whenever it changes; a Port that closes (tab
 * closed, page reloaded) takes its set with it, so nothing stays watched after its page is gone.
 * Live mode may start after a page asked, or restart at sign-in: `attach` re-applies the union.
 */
type Watcher = { watch(experimentId: string): () => void };

export class Watches {
  private readonly byPage = new Map<object, ReadonlySet<string>>();
  private readonly held = new Map<string, () => void>();
  private live: Watcher | null = null;

  set(page: object, ids: readonly string[]): void {
    this.byPage.set(page, new Set(ids));
    this.apply();
  }

  drop(page: object): void {
    if (this.byPage.delete(page)) this.apply();
  }

  /** The live mode that now holds the sockets (null when it stopped). */
  attach(live: Watcher | null): void {
    for (const release of this.held.values()) release();
    this.held.clear();
    this.live = live;
    this.apply();
  }

  wanted(): Set<string> {
    const out = new Set<string>();
    for (const ids of this.byPage.values()) for (const id of ids) out.add(id);
    return out;
  }

  private apply(): void {
    const wanted = this.wanted();
    for (const [id, release] of this.held) {
      if (wanted.has(id)) continue;
      release();
      this.held.delete(id);
    }
    if (!this.live) return;
    for (const id of wanted) if (!this.held.has(id)) this.held.set(id, this.live.watch(id));
  }
}
