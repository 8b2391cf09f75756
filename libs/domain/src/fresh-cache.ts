/**
 * Values kept for a while: an entry is fresh for `freshMs` after it was set, and past `maxEntries` the
 * one set longest ago goes. What services keep of PostgreSQL rows (a subscription's delivery target,
 * an event type's defaults) so a busy key costs one read per `freshMs`, not one per message.
 */
export class FreshCache<V> {
  private readonly entries = new Map<string, { value: V; at: number }>();
  /** Reads under way, one per key, shared by whoever asks for the key meanwhile. */
  private readonly reading = new Map<string, Promise<V>>();

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

  /**
   * The fresh value when `usable` accepts it, without waiting; undefined when `load` would read.
   * What a hot path asks first, so a cached key costs no promise.
   */
  usable(key: string, usable: (value: V) => boolean = () => true): V | undefined {
    const cached = this.fresh(key);
    return cached !== undefined && usable(cached) ? cached : undefined;
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

  /**
   * The fresh value when `usable` accepts it; else the result of `read`, kept. One read per key at a
   * time: callers asking while it is under way share it (a busy key's hundred concurrent messages
   * make one query, not a hundred). A read that fails is not kept, and neither is one that was under
   * way when the key was deleted: the next caller reads afresh.
   */
  load(
    key: string,
    read: () => Promise<V>,
    usable: (value: V) => boolean = () => true,
  ): Promise<V> {
    const cached = this.usable(key, usable);
    if (cached !== undefined) return Promise.resolve(cached);
    const underway = this.reading.get(key);
    if (underway) return underway;
    const reading: Promise<V> = read().then(
      (value) => {
        if (this.reading.get(key) === reading) {
          this.reading.delete(key);
          this.set(key, value);
        }
        return value;
      },
      (error: unknown) => {
        if (this.reading.get(key) === reading) this.reading.delete(key);
        throw error;
      },
    );
    this.reading.set(key, reading);
    return reading;
  }

  delete(key: string): void {
    this.entries.delete(key);
    this.reading.delete(key);
  }
}
