/** Messages queued on a lane together (one, or a partition's batch), and what to call once settled. */
interface Queued<M> {
  messages: M[];
  done(): void;
  /** When it was queued (epoch ms). */
  at: number;
}

interface Lane<M> {
  id: string;
  queue: Queued<M>[];
  inFlight: number;
  /** Messages queued or running, until each settles or is handed back. */
  load: number;
  /**
   * A handler of this lane failed: what is still queued is handed back (to be fetched again, after
   * the failed one) until the lane is repaired.
   */
  broken: boolean;
  /** What queues on it is taken together, up to `mergeUpTo` messages (a partition's batches). */
  mergeUpTo: number;
  /** An idle merging lane waits for the end of the turn, so one fetch's partitions go together. */
  gathering: boolean;
  /** When it got its first message since it was last idle (epoch ms). */
  since: number;
  /** When a message of it last finished, since it was last idle (epoch ms). */
  finishedAt: number | null;
}

/** How a lane is getting on: when it got busy, last finished a message, and its next one queued. */
export interface LaneProgress {
  since: number;
  finishedAt: number | null;
  /** When its next message to start was queued, or null when none waits. */
  waitingSince: number | null;
}

export interface LanesOptions<M> {
  /**
   * How many of a lane's items may be in flight at once, asked with its next message each time the
   * lane may start another (a lane with nothing in flight always starts one).
   */
  windowOf(next: M): number;
  /**
   * Runs an item; the promise settles when it is finished (a failure is the run's to report, by
   * breaking its lane; a rejection counts as finished). `release` frees its place in the window
   * early (the part the key's order depends on is over); the item still counts until it settles.
   */
  run(messages: M[], release: () => void): Promise<void>;
  /** Messages that will not run now (their lane is broken, or the lanes are closing). */
  handBack(messages: M[]): void;
}

/**
 * Lanes of work, one per key: a lane's items start in the order they were queued, up to the lane's
 * window at once, and different lanes run independently. This is the order and concurrency logic of
 * the consumer runner, without Kafka.
 */
export class Lanes<M> {
  private readonly lanes = new Map<string, Lane<M>>();
  private closing = false;

  constructor(private readonly options: LanesOptions<M>) {}

  /**
   * Queues messages on lane `id`; the promise resolves when they are finished or handed back. With
   * `mergeUpTo`, what is queued when the lane can start again is taken together, as one item of up
   * to that many messages (a partition's batches, handled one after another); an idle merging lane
   * starts at the end of the current turn of the event loop, with what the turn queued.
   */
  enqueue(id: string, messages: M[], mergeUpTo = 0): Promise<void> {
    const now = Date.now();
    let lane = this.lanes.get(id);
    if (!lane) {
      lane = {
        id,
        queue: [],
        inFlight: 0,
        load: 0,
        broken: false,
        mergeUpTo,
        gathering: false,
        since: now,
        finishedAt: null,
      };
      this.lanes.set(id, lane);
    }
    lane.load += messages.length;
    const owner = lane;
    return new Promise<void>((done) => {
      owner.queue.push({ messages, done, at: now });
      if (owner.gathering) return;
      if (owner.mergeUpTo > 0 && owner.inFlight === 0) {
        // kafkajs hands a fetch over one partition at a time, each in its own call: an idle lane
        // starts once the turn is over, with every partition of the fetch in one item.
        owner.gathering = true;
        setImmediate(() => {
          owner.gathering = false;
          this.pump(owner);
        });
        return;
      }
      this.pump(owner);
    });
  }

  /** A lane's item failed: what is queued behind it, and what comes later, is handed back. */
  break(id: string): void {
    const lane = this.lanes.get(id);
    if (lane) lane.broken = true;
  }

  /** Lanes whose id starts with `prefix` (a partition's) take messages again. */
  repair(prefix: string): void {
    for (const lane of this.lanes.values()) if (lane.id.startsWith(prefix)) lane.broken = false;
  }

  /** Hands back whatever is queued, and whatever is queued from now on. */
  close(): void {
    this.closing = true;
    for (const lane of this.lanes.values()) this.pump(lane);
  }

  /** Lanes with anything queued or in flight. */
  get size(): number {
    return this.lanes.size;
  }

  /** How many messages of lane `id` are queued or running (0 for a lane with none). */
  load(id: string): number {
    return this.lanes.get(id)?.load ?? 0;
  }

  /** How lane `id` is getting on, or null while it holds nothing. */
  progress(id: string): LaneProgress | null {
    const lane = this.lanes.get(id);
    if (!lane) return null;
    return {
      since: lane.since,
      finishedAt: lane.finishedAt,
      waitingSince: lane.queue[0]?.at ?? null,
    };
  }

  /** Starts the lane's queued items, in order, while its window has room. */
  private pump(lane: Lane<M>): void {
    while (lane.queue.length > 0) {
      if (lane.broken || this.closing) {
        for (const queued of lane.queue.splice(0)) {
          lane.load -= queued.messages.length;
          this.options.handBack(queued.messages);
          queued.done();
        }
        break;
      }
      const window =
        lane.inFlight === 0 ? 1 : Math.max(1, this.options.windowOf(lane.queue[0].messages[0]));
      if (lane.inFlight >= window) break;
      const next = lane.mergeUpTo > 0 ? this.takeMerged(lane) : (lane.queue.shift() as Queued<M>);
      lane.inFlight++;
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        lane.inFlight--;
        this.pump(lane);
      };
      // A run reports its own failure (it breaks its lane); a rejection only means it is over.
      void this.options
        .run(next.messages, release)
        .catch(() => undefined)
        .finally(() => {
          release();
          lane.finishedAt = Date.now();
          lane.load -= next.messages.length;
          next.done();
          if (lane.queue.length === 0 && lane.inFlight === 0 && this.lanes.get(lane.id) === lane) {
            this.lanes.delete(lane.id);
          }
        });
    }
    if (lane.queue.length === 0 && lane.inFlight === 0 && this.lanes.get(lane.id) === lane) {
      this.lanes.delete(lane.id);
    }
  }

  /**
   * What is queued on a merging lane, as one item: what arrived while the last one ran goes together,
   * so its fixed cost (a statement, a produce) is paid once however small the fetches.
   */
  private takeMerged(lane: Lane<M>): Queued<M> {
    const taken: Queued<M>[] = [];
    let count = 0;
    while (lane.queue.length > 0 && (taken.length === 0 || count < lane.mergeUpTo)) {
      const queued = lane.queue.shift() as Queued<M>;
      taken.push(queued);
      count += queued.messages.length;
    }
    if (taken.length === 1) return taken[0];
    return {
      messages: taken.flatMap((queued) => queued.messages),
      done: () => taken.forEach((queued) => queued.done()),
      at: taken[0].at,
    };
  }
}
