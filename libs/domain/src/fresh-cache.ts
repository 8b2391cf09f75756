/**
 * Values kept for a while: an entry is fresh for `freshMs` after it was set, and past `maxEntries` the
 * one set longest ago goes. What services keep of PostgreSQL rows (a subscription's delivery target,
 * an event type's defaults) so a busy key costs one read per `freshMs`, not one per message.
 */
export class FreshCache<V> {
  private readonly entries = new Map<string, { value: V; at: number }>();

  constructor(
    private readonly freshMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The value set less than `freshMs` ago, or undefined. */
  fresh(key: string): V | undefined {
    const entry = this.entries.get(key);
    return entry && this.now() - entry.at < this.freshMs ? entry.value : undefined;
  }

  /** The last value set, however old; undefined when none is kept. */
  last(key: string): V | undefined {
    return this.entries.get(key)?.value;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, { value, at: this.now() });
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}
