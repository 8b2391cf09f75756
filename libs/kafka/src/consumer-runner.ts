import {
  PartitionAssigners,
  type Consumer,
  type EachBatchPayload,
  type IHeaders,
  type Kafka,
  type KafkaMessage,
} from 'kafkajs';
import type { TopicDefinition } from '@herald/contracts';
import { captureContext, type JsonLogger } from '@herald/observability';
import type { HandlerOutcome, LaterOutcome } from './outcome';
import { setFetchLinger } from './fetch-linger';
import { InFlightBudget } from './in-flight-budget';
import { scanVerdict } from './scan-verdict';
import { Lanes } from './lanes';
import { PartitionOffsets } from './partition-offsets';
import { subscriptionAssigner } from './subscription-assigner';

export interface RawMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  timestamp: string;
}

export interface ConsumedMessage<T> extends RawMessage {
  message: T;
  /**
   * Runs `work` in this message's trace context (its consumer span), so what it publishes continues
   * the message's trace. A batch handler uses it for each message's part.
   */
  within?: <R>(work: () => R) => R;
  /**
   * Says the part of this message's handling that the order of its key depends on is over (a
   * delivery's answer is in): the next message of its key may start, and the handler's slot is
   * free, while the rest — recording it, say — goes on. Its offset is still committed only once the
   * handler has finished. Calling it more than once, or not at all, is fine.
   */
  release?: () => void;
}

/**
 * Wraps the handling of one message — its outcome applied and durable — e.g. with a trace span and
 * metrics. It must call `work` exactly once and return (or throw) what it returns (or throws).
 */
export type MessageObserver = (
  message: RawMessage,
  work: () => Promise<HandlerOutcome>,
) => Promise<HandlerOutcome>;

export interface ConsumerRunnerOptions<T> {
  kafka: Kafka;
  groupId: string;
  topics: readonly TopicDefinition<T>[];
  logger: JsonLogger;
  handle?(message: ConsumedMessage<T>): Promise<HandlerOutcome>;
  /**
   * Handles fetched messages a batch at a time, instead of `handle`: one outcome per message, in the
   * order given. A batch holds what was fetched of a topic while the last one ran, from any of its
   * partitions, each partition's messages in offset order; a topic's batches run one after another.
   * A batch that fails for a reason bound to the data is handled again one message at a time, so
   * only the message at fault is parked; one that fails otherwise is retried, then one at a time.
   */
  handleBatch?(messages: ConsumedMessage<T>[]): Promise<HandlerOutcome[]>;
  /** The most messages one `handleBatch` call takes (2,000 by default). */
  maxBatchMessages?: number;
  /** Makes a dead-lettered message durable elsewhere (an invalid-events topic, a DLQ). */
  deadLetter(
    message: RawMessage,
    outcome: Extract<HandlerOutcome, { kind: 'deadLetter' }>,
  ): Promise<void>;
  /** Makes a retry or deferral durable (a retry topic); without it, it is dead-lettered. */
  retry?(message: ConsumedMessage<T>, outcome: LaterOutcome): Promise<void>;
  /**
   * When a message may be handled (epoch ms), or null for now. A partition whose next message is not
   * due yet is paused until it is, instead of sleeping in the handler.
   */
  dueAt?(message: RawMessage): number | null;
  /**
   * How many messages of one key may be handled at once (1, the default: one after another). They
   * start in offset order; a window of K lets K of them be in flight — a best-effort subscription's
   * deliveries, say. Asked each time the key's lane may start another.
   */
  windowOf?(message: RawMessage): number;
  /** How many handlers run at once across all keys. */
  laneConcurrency?: number;
  /**
   * Unfinished messages of one partition before it is paused (memory bound), and a quarter more for
   * the keys that keep up while it stays full (not in batch mode; see `SCAN_FULL_AFTER_MS`).
   */
  maxInFlightPerPartition?: number;
  /**
   * Unfinished messages of one key of a partition (its lane) before the key's later messages are
   * left in Kafka (no bound by default; not in batch mode): the partition goes on with its other
   * keys, and is fetched again from the first message left once the key is down to half of this. A
   * key whose handler is slow — a subscription whose endpoint answers in seconds — then takes at most
   * this much of its partition's budget, not all of it, and a backlog of it waits in Kafka.
   */
  maxInFlightPerKey?: number;
  /**
   * Bytes of unfinished messages (their values) of one partition before it is paused (memory bound
   * whatever the message size; 16 MiB by default). A partition with nothing unfinished always takes
   * its next message, however large.
   */
  maxInFlightBytesPerPartition?: number;
  /**
   * Unfinished messages, and their bytes, across all the partitions of this consumer (no bound by
   * default): what bounds its memory when it holds many partitions, with a quarter more for the
   * keys that keep up while it stays full (not in batch mode). A partition whose batch finds this
   * full is paused until half of it is finished.
   */
  maxInFlightTotal?: { messages: number; bytes: number };
  /**
   * How long a batch may hold the fetcher (0, the default: not at all). Unfinished work goes on in
   * the background while the next batch is fetched; offsets are committed only up to the first
   * unfinished message, and a partition with too much unfinished pauses.
   */
  batchBudgetMs?: number;
  /** How many partitions' batches are handled at once. */
  partitionConcurrency?: number;
  fromBeginning?: boolean;
  sessionTimeoutMs?: number;
  /**
   * The long poll of a fetch (100 ms by default). A paused partition that is resumed is only fetched
   * by the next fetch, so this bounds how late a due retry — or a partition that was full — is taken
   * up again. A fetch returns as soon as any data is there, so this costs only idle polls.
   */
  maxWaitTimeInMs?: number;
  /**
   * While messages flow, how long a fetch waits for more to gather (25 ms by default; 0: not at
   * all): a stream at a few hundred messages a second is then handled a few dozen at a time instead
   * of one or two, with a fetch, a write and a produce per batch. A fetch after an empty one returns
   * at the first message, so a quiet stream waits for nothing. See `fetch-linger.ts`.
   */
  fetchLingerMs?: number;
  observe?: MessageObserver;
  /**
   * Whether a handler's error is bound to the message (bad data PostgreSQL or Kafka refuses): such a
   * message is dead-lettered at once, code `unprocessable`, instead of being tried again.
   */
  isPermanent?(error: unknown): boolean;
  /**
   * Whether the service's dependencies (PostgreSQL, Kafka) answer. A failure while they do counts
   * against the message; one while they do not is the infrastructure's, and does not.
   */
  dependenciesUp?(): Promise<boolean>;
  /**
   * Failures of one message, each while the dependencies were up, before it is dead-lettered (code
   * `handler_failed`) so that it cannot hold its partition for ever.
   */
  maxFailures?: number;
}

function headersOf(headers: IHeaders | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) result[name] = first.toString();
  }
  return result;
}

function toRaw(topic: string, partition: number, message: KafkaMessage): RawMessage {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key ? message.key.toString() : null,
    value: message.value,
    headers: headersOf(message.headers),
    timestamp: message.timestamp,
  };
}

/**
 * The longest pause of a partition whose handler failed for want of PostgreSQL or Kafka: once they
 * are back, its messages flow again within this (recovery is bounded at 10 s end to end).
 */
const MAX_BACKOFF_MS = 4_000;
/**
 * How long the group waits for a member that stopped heartbeating (killed, say) before giving its
 * partitions to the others, or to its restarted self: kafkajs's 30 s held them for that long. The
 * broker's lower bound (group.min.session.timeout.ms) is 6 s; heartbeats go every second.
 */
const DEFAULT_SESSION_TIMEOUT_MS = 8_000;
const DEFAULT_MAX_FAILURES = 3;
/** The most messages handled together in batch mode, unless `maxBatchMessages` says otherwise. */
const DEFAULT_MAX_BATCH_MESSAGES = 2_000;
const HEARTBEAT_EVERY_MS = 1_000;
/**
 * How often the low watermarks are committed, all partitions in one request: a broker round trip
 * per handled message is what a busy consumer cannot afford. A crash redoes at most this much more.
 */
const COMMIT_EVERY_MS = 200;
const SHUTDOWN_GRACE_MS = 15_000;
const DEFAULT_MAX_IN_FLIGHT_BYTES = 16 * 1024 * 1024;
const DEFAULT_MAX_WAIT_MS = 100;
const DEFAULT_FETCH_LINGER_MS = 25;
/**
 * The most a fetch response holds (kafkajs's default is 10 MiB; Kafka still returns a first record
 * batch larger than this whole). A message's key and value are views into the response they came in,
 * so one message in flight keeps its whole response in memory: with 10 MiB responses a deliverer
 * under a 100,000-delivery backlog kept 30–55 MB of them and peaked at 274–284 MB RSS, with 2 MiB at
 * 221 for the same rate (measured 2026-12-04, README Performance).
 */
const MAX_FETCH_BYTES = 2 * 1024 * 1024;
/** A lingering fetch returns early once this much has gathered (a burst is not held back). */
const LINGER_MIN_BYTES = 256 * 1024;
/**
 * The most offsets a partition remembers above its watermark (handled after its first unfinished
 * message, or left for later) before it stops taking new ones: a few MB. A key left for long (a
 * very slow endpoint) holds the watermark while the others go on; past this the partition waits for
 * the watermark to move. A crash redoes at most this much more.
 */
const MAX_TRACKED_OFFSETS = 50_000;
/**
 * A partition held back this long for want of room — its budget full, or the consumer's — is scanned
 * for keys that keep up: several slow keys together (endpoints that fail or answer in seconds) could
 * otherwise fill it and hold every other key of the partition until half of theirs was done — 20 to
 * 40 s behind four thousand redone deliveries to receivers that were gone, in CI; in the benchmark,
 * three 2 s endpoints on a partition left a fast subscription beside them 2 % of its rate. A burst
 * fills a partition too, and drains well within this: it is not scanned.
 */
const SCAN_FULL_AFTER_MS = 1_000;
/** While a full partition is scanned, a key with less than this share of its budget unfinished is light. */
const LIGHT_SHARE = 20;
/**
 * While a full partition is scanned, a key with more unfinished is light as long as it keeps up: it
 * finished a message within this, and its next one has waited less than this to start (`scanVerdict`).
 * A fast endpoint's burst is done in milliseconds; a slow endpoint's backlog waits for seconds.
 */
const BEHIND_AFTER_MS = 1_000;
/** The room beyond a full budget that light keys' messages take meanwhile: a quarter. */
const RESERVE_SHARE = 4;

/** A message of a key with too much unfinished, seen in a batch and not (yet) left in Kafka. */
interface Pending {
  raw: RawMessage;
  lane: string;
  offset: bigint;
  dueAt: number;
  /** The batch's last considered offset before it: where the fetcher goes back to without it. */
  after: string | null;
}

interface PartitionTrack {
  topic: string;
  partition: number;
  offsets: PartitionOffsets;
  committed: bigint | null;
  recovering: boolean;
  /**
   * Counts its recoveries: a fetched message of an earlier one is not handled any more (it is fetched
   * again, in order, from the first unfinished message).
   */
  epoch: number;
  backoffMs: number;
  /** How much of it is unfinished; paused while full. */
  budget: InFlightBudget;
  /** Messages whose handler failed while the dependencies were up: how often, and the last error. */
  failures: Map<string, { count: number; error: string }>;
  /**
   * When the message the partition is paused in front of becomes due (epoch ms), until its next
   * batch is handled: a partition that is never fetched again shows as a due message waiting.
   */
  headDueAt: number | null;
  /**
   * Messages left in Kafka because their key had too much unfinished (`maxInFlightPerKey`): the
   * first one's offset, where the partition is fetched again from, and the keys' lanes. Once a lane
   * has left a message, its later ones are left too until then, so a key's messages start in order.
   */
  left: { from: bigint; lanes: Set<string> } | null;
  /** The highest offset taken or left: a message above it is new to this member. */
  highestSeen: bigint | null;
  /** Paused for remembering too many offsets above its watermark (`MAX_TRACKED_OFFSETS`). */
  crowded: boolean;
  /**
   * Held back for want of room for a while (`SCAN_FULL_AFTER_MS`), and fetched on anyway: what its
   * heavy keys bring is left in Kafka, a light key's message is taken from the reserve beyond the
   * full budget (its own, or the consumer's). Over once it has room again — its left messages are
   * then fetched again.
   */
  scanning: boolean;
  /** Scanned, and paused to see whether this lane keeps up (`scanVerdict`'s `wait`), or null. */
  awaiting: string | null;
  /** A scan of the full partition is due (its timer runs). */
  scanArmed: boolean;
  /** Since when it has been held back for want of room without a break (epoch ms), or null. */
  fullSince: number | null;
}

/** Bounds how many handlers run at once. */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(size: number) {
    this.free = size;
  }

  /** Takes a slot if one is free, without waiting. */
  tryAcquire(): boolean {
    if (this.free === 0) return false;
    this.free--;
    return true;
  }

  async acquire(): Promise<void> {
    if (this.tryAcquire()) return;
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

/**
 * Runs a consumer group whose handlers return outcomes. The runner owns offsets: it commits only up
 * to the first message whose outcome is not yet durable, so nothing is lost when a handler, the
 * process or the infrastructure fails half-way.
 *
 * Messages of one key start in order, up to the key's window at once (`Lanes`); different keys run
 * concurrently. A batch holds the fetcher for at most `batchBudgetMs`: work still running then (a
 * slow endpoint) goes on in the background while the next batch is fetched, so one slow key never
 * holds back the other keys of its partition — kafkajs fetches a partition's next batch only after
 * its handler returns. The memory this takes is bounded per partition, in messages and in bytes
 * (`maxInFlightPerPartition`, `maxInFlightBytesPerPartition`), and across the consumer
 * (`maxInFlightTotal`): past any of them the partition pauses, and it is fetched again once half of
 * that is finished. Paused so for a second, it is read on past the keys that do not keep up (slow
 * endpoints), which are left in Kafka, while the others' messages take a reserve beyond the full
 * budget. Every paused partition has a way back: room again, the timer of its next due message or of
 * a key it waits to see finish, the end of its recovery pause, or — lost in a rebalance and given
 * back — its new assignment.
 */
export class ConsumerRunner<T> {
  private readonly consumer: Consumer;
  private readonly tracks = new Map<string, PartitionTrack>();
  private readonly lanes: Lanes<RawMessage>;
  private readonly running = new Set<Promise<void>>();
  private readonly slots: Slots;
  private readonly budgetMs: number;
  private readonly maxInFlight: number;
  private readonly maxInFlightBytes: number;
  private readonly maxPerKey: number;
  /** Unfinished messages of a key below which it is light while its full partition is scanned. */
  private readonly lightLoad: number;
  /** Lanes that left messages in Kafka, and their partition: room in one fetches them again. */
  private readonly overflowing = new Map<string, PartitionTrack>();
  /** Everything unfinished, whichever partition, and the partitions paused until it has room. */
  private readonly total: InFlightBudget;
  private readonly waitingForRoom = new Set<PartitionTrack>();
  /** Scanned partitions paused for a spent reserve: fetched again once half of it is free. */
  private readonly spentReserve = new Set<PartitionTrack>();
  /** Lanes a scanned partition waits to see finish a message, and that partition. */
  private readonly awaited = new Map<string, PartitionTrack>();
  /** The epoch of its partition each message of a batch lane was fetched in. */
  private readonly fetchedIn = new WeakMap<RawMessage, number>();
  private stopping = false;
  private joined = false;
  private failure: string | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();
  private commitTimer: NodeJS.Timeout | null = null;
  private committing: Promise<void> | null = null;

  constructor(private readonly options: ConsumerRunnerOptions<T>) {
    const idleWaitMs = options.maxWaitTimeInMs ?? DEFAULT_MAX_WAIT_MS;
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS,
      heartbeatInterval: HEARTBEAT_EVERY_MS,
      maxWaitTimeInMs: idleWaitMs,
      maxBytes: MAX_FETCH_BYTES,
      allowAutoTopicCreation: false,
      // Ours first; a group with members of an older Herald agrees on kafkajs's round robin.
      partitionAssigners: [subscriptionAssigner, PartitionAssigners.roundRobin],
    });
    const lingerMs = options.fetchLingerMs ?? DEFAULT_FETCH_LINGER_MS;
    setFetchLinger(
      options.groupId,
      lingerMs > 0 ? { lingerMs, minBytes: LINGER_MIN_BYTES, idleWaitMs } : null,
    );
    this.slots = new Slots(options.laneConcurrency ?? 16);
    this.lanes = new Lanes<RawMessage>({
      windowOf: (raw) => (this.options.windowOf ? this.options.windowOf(raw) : 1),
      run: (raws, release) => this.run(raws, release),
      handBack: (raws) => {
        for (const raw of raws) this.tracks.get(trackId(raw))?.offsets.fail(BigInt(raw.offset));
      },
    });
    this.budgetMs = options.batchBudgetMs ?? 0;
    this.maxInFlight = options.maxInFlightPerPartition ?? 1000;
    this.maxInFlightBytes = options.maxInFlightBytesPerPartition ?? DEFAULT_MAX_IN_FLIGHT_BYTES;
    this.maxPerKey = options.handleBatch ? Infinity : (options.maxInFlightPerKey ?? Infinity);
    this.lightLoad = Math.max(1, Math.floor(this.maxInFlight / LIGHT_SHARE));
    const totalMessages = options.maxInFlightTotal?.messages ?? Infinity;
    const totalBytes = options.maxInFlightTotal?.bytes ?? Infinity;
    this.total = new InFlightBudget(totalMessages, totalBytes, {
      messages: Math.ceil(totalMessages / RESERVE_SHARE),
      bytes: Math.ceil(totalBytes / RESERVE_SHARE),
    });
  }

  /** Joined to its group and fetching (the readiness of a consuming service). */
  get isJoined(): boolean {
    return this.joined && !this.stopping;
  }

  /**
   * Per topic, how long (seconds) the longest-waiting due message of the partitions held here has
   * waited: one in flight or failed since it was fetched (a retry: since its time), or the one a
   * paused partition waits in front of, once its time has passed. Near zero while everything flows;
   * it grows when a partition stalls.
   */
  oldestDueAges(now: number = Date.now()): Map<string, number> {
    const ages = new Map(this.options.topics.map((topic) => [topic.name, 0]));
    for (const track of this.tracks.values()) {
      for (const due of [track.offsets.oldestDue(), track.headDueAt]) {
        if (due === null || due >= now) continue;
        ages.set(track.topic, Math.max(ages.get(track.topic) ?? 0, (now - due) / 1000));
      }
    }
    return ages;
  }

  /** Why the consumer stopped for good (kafkajs gave up restarting it), or null while it runs. */
  get failed(): string | null {
    return this.failure;
  }

  /**
   * Starts without waiting to join the group — a service answers its health checks meanwhile (after a
   * crash, joining waits for the old member's session to expire). Readiness follows `isJoined`; a
   * consumer that fails for good is reported by `failed`.
   */
  startInBackground(): void {
    this.start().catch((error: unknown) => {
      this.failure = describe(error);
      this.options.logger.event('error', 'consumer failed to start', {
        group: this.options.groupId,
        error: this.failure,
      });
    });
  }

  /** Connects, subscribes and runs; resolves once the consumer joined its group. */
  async start(): Promise<void> {
    const left = (): void => {
      this.joined = false;
    };
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      left();
      if (!event.payload.restart) this.failure = describe(event.payload.error);
    });
    this.consumer.on(this.consumer.events.STOP, left);
    this.consumer.on(this.consumer.events.DISCONNECT, left);
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => {
      this.joined = true;
      // Forget partitions this member lost; their new owner starts from the committed offset.
      const assigned = event.payload.memberAssignment;
      for (const [id, track] of this.tracks) {
        if (!(assigned[track.topic] ?? []).includes(track.partition)) this.tracks.delete(id);
      }
      // A partition held without a track — new to this member, or lost and given back — starts
      // afresh: kafkajs keeps a pause across rebalances, and what paused it (a recovery, a full
      // budget) belonged to a track that is gone, so nothing else would ever resume it.
      const fresh = Object.entries(assigned).flatMap(([topic, partitions]) =>
        partitions
          .filter((partition) => !this.tracks.has(`${topic}:${partition}`))
          .map((partition) => ({ topic, partitions: [partition] })),
      );
      for (const { topic, partitions } of fresh) this.lanes.repair(`${topic}:${partitions[0]}:`);
      if (fresh.length > 0) this.resume(fresh);
    });
    await this.consumer.connect();
    this.commitTimer = setInterval(() => void this.commitAll(), COMMIT_EVERY_MS);
    this.commitTimer.unref();
    await this.consumer.subscribe({
      topics: this.options.topics.map((topic) => topic.name),
      fromBeginning: this.options.fromBeginning ?? true,
    });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionConcurrency ?? 4,
      eachBatch: (payload) => this.handleBatch(payload),
    });
  }

  /** Stops fetching, lets running handlers finish (and commit) for a while, then leaves the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.lanes.close();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    try {
      this.consumer.pause(this.options.topics.map((topic) => ({ topic: topic.name })));
    } catch {
      // Never started: nothing to pause.
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(this.running),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, SHUTDOWN_GRACE_MS);
      }),
    ]);
    clearTimeout(timer);
    // What finished is committed before leaving: the one in flight, then whatever moved since.
    await this.commitAll();
    await this.commitAll();
    if (this.commitTimer) clearInterval(this.commitTimer);
    await this.consumer.disconnect();
  }

  private track(topic: string, partition: number): PartitionTrack {
    const id = `${topic}:${partition}`;
    let track = this.tracks.get(id);
    if (!track) {
      track = {
        topic,
        partition,
        offsets: new PartitionOffsets(),
        committed: null,
        recovering: false,
        epoch: 0,
        backoffMs: 0,
        budget: new InFlightBudget(this.maxInFlight, this.maxInFlightBytes, {
          messages: Math.ceil(this.maxInFlight / RESERVE_SHARE),
          bytes: Math.ceil(this.maxInFlightBytes / RESERVE_SHARE),
        }),
        failures: new Map(),
        headDueAt: null,
        left: null,
        highestSeen: null,
        crowded: false,
        scanning: false,
        awaiting: null,
        scanArmed: false,
        fullSince: null,
      };
      this.tracks.set(id, track);
    }
    return track;
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const definition = this.options.topics.find((topic) => topic.name === batch.topic);
    if (!definition || batch.messages.length === 0 || this.stopping) return;
    const track = this.track(batch.topic, batch.partition);
    if (track.recovering) return;

    const work: Promise<void>[] = [];
    const taken: RawMessage[] = [];
    let considered: string | null = null;
    // A message not due yet (a retry's time) stops the batch: the partition pauses until then.
    let pauseUntil: number | null = null;
    track.headDueAt = null;
    const now = Date.now();
    const sink = { work, taken };
    // Messages of keys with too much unfinished, not yet left: only worth leaving in Kafka when
    // another key's message after them is taken (or passed). See the end of the batch for the rest.
    const toLeave: Pending[] = [];
    const leaving = new Set<string>();
    let stopped = false;
    for (const message of batch.messages) {
      if (!payload.isRunning() || payload.isStale()) return;
      const offset = BigInt(message.offset);
      // Fetched again (after messages were left, or a recovery): what is handled or running is passed,
      // and so are the messages waiting to be left before it — the fetcher moves on past them.
      if (track.offsets.isClaimed(offset)) {
        considered = message.offset;
        if (toLeave.length > 0) this.leaveAll(track, toLeave, leaving);
        continue;
      }
      const raw = toRaw(batch.topic, batch.partition, message);
      const dueAt = this.options.dueAt ? this.options.dueAt(raw) : null;
      if (dueAt !== null && dueAt > now) {
        pauseUntil = dueAt;
        track.headDueAt = dueAt;
        stopped = true;
        break;
      }
      const fresh = track.highestSeen === null || offset > track.highestSeen;
      if (fresh && track.offsets.tracked >= MAX_TRACKED_OFFSETS) {
        track.crowded = true;
        stopped = true;
        break;
      }
      // Its lane, when the bound per key needs it before it is dispatched (built once a message).
      let lane: string | undefined;
      if (track.scanning) {
        // Full for a while: a heavy key's message stays in Kafka, so a light key's after it is reached.
        lane = laneId(raw);
        const verdict = track.left?.lanes.has(lane)
          ? 'leave'
          : scanVerdict(
              this.lanes.load(lane),
              this.lanes.progress(lane),
              now,
              this.lightLoad,
              BEHIND_AFTER_MS,
            );
        if (verdict === 'leave') {
          this.leave(track, lane, offset, dueAt ?? now);
          considered = message.offset;
          continue;
        }
        if (verdict === 'wait') {
          this.awaitLane(track, lane);
          stopped = true;
          break;
        }
      }
      if (this.maxPerKey !== Infinity) {
        lane ??= laneId(raw);
        if (
          track.left?.lanes.has(lane) ||
          leaving.has(lane) ||
          this.lanes.load(lane) >= this.maxPerKey
        ) {
          toLeave.push({ raw, lane, offset, dueAt: dueAt ?? now, after: considered });
          leaving.add(lane);
          considered = message.offset;
          continue;
        }
      }
      const admitted = this.admit(track, raw, offset, dueAt ?? now, sink, lane);
      if (admitted === 'full') {
        stopped = true;
        break;
      }
      considered = message.offset;
      if (admitted === 'taken' && toLeave.length > 0) this.leaveAll(track, toLeave, leaving);
    }
    if (toLeave.length > 0) {
      if (stopped) {
        // Fetched again from the first of them once there is room (or the time) for the batch.
        considered = toLeave[0].after;
      } else if (track.left !== null) {
        // Other keys went on past this partition's messages before: theirs may come next, so these
        // are left too and the fetcher moves on. (Going back instead, a fetch could bring the same
        // record batch, ending with these, again and again.)
        this.leaveAll(track, toLeave, leaving);
      } else {
        // Nothing of another key seen past them: a key alone on its partition (or so far) takes the
        // partition's budget, as without a bound per key — leaving its messages would only fetch
        // them again, and pausing for its room would halve what it has at once.
        for (const one of toLeave) {
          if (this.admit(track, one.raw, one.offset, one.dueAt, sink, one.lane) === 'full') {
            considered = one.after;
            break;
          }
        }
      }
    }
    if (taken.length > 0) work.push(this.dispatchBatch(track, taken));
    // The fetcher moves on past what this batch started; the commit waits for it to finish.
    if (considered !== null) payload.resolveOffset(considered);
    await this.awaitWithinBudget(payload, work);

    const where = [{ topic: batch.topic, partitions: [batch.partition] }];
    if (this.isHeldBack(track)) {
      this.consumer.pause(where);
      this.scanWhenStillFull(track);
    } else if (pauseUntil !== null && !track.recovering) {
      this.consumer.pause(where);
      this.later(Math.max(0, pauseUntil - Date.now()), () => {
        if (!track.recovering && !this.isHeldBack(track)) this.resume(where);
      });
    }
  }

  /**
   * Gives dispatched messages back to their partition's budget, and to the consumer's, once finished
   * or handed back: a partition paused for want of room in either is fetched again when both have it.
   */
  private weigh(track: PartitionTrack, raws: RawMessage[], work: Promise<void>): Promise<void> {
    const bytes = raws.reduce((sum, raw) => sum + (raw.value?.length ?? 0), 0);
    return work.finally(() => this.giveBack(track, raws.length, bytes));
  }

  private giveBack(track: PartitionTrack, messages: number, bytes: number): void {
    const roomHere = track.budget.release(messages, bytes);
    const roomOverall = this.total.release(messages, bytes);
    if (this.spentReserve.size > 0) this.refillReserves();
    if (!roomHere && !roomOverall) return;
    const ready = roomOverall ? [...this.waitingForRoom] : [];
    if (roomOverall) this.waitingForRoom.clear();
    if (roomHere && !ready.includes(track)) ready.push(track);
    // Room in its own budget and in the consumer's: no longer held back.
    for (const one of ready) {
      if (!one.budget.isFull && !this.waitingForRoom.has(one)) this.endScan(one);
    }
    const where = ready
      .filter((paused) => !paused.recovering && !this.isHeldBack(paused))
      .map((paused) => ({ topic: paused.topic, partitions: [paused.partition] }));
    if (where.length > 0) this.resume(where);
  }

  /**
   * The consumer's budget is full: every partition it has fetched from waits for room, not only the
   * one whose batch did not fit (`handleBatch` pauses that one). Left fetching, the others' next
   * batches found no room either and were dropped, to be fetched and decoded again once resumed: in
   * the fan-out benchmark the deliverer fetched 175,000 messages to take 100,000 (132,000 with this;
   * the rest are fetches larger than the room left). Each is resumed once the consumer is back under
   * half its budget, or scanned if it is not within a second (a few partitions full of slow keys
   * could otherwise hold every other partition).
   */
  private holdBackAll(full: PartitionTrack): void {
    this.waitingForRoom.add(full);
    const where: { topic: string; partitions: number[] }[] = [];
    for (const track of this.tracks.values()) {
      if (track === full || this.waitingForRoom.has(track)) continue;
      this.waitingForRoom.add(track);
      this.scanWhenStillFull(track);
      // Scanned already (its own budget full): it goes on, from the consumer's reserve.
      if (track.scanning) continue;
      where.push({ topic: track.topic, partitions: [track.partition] });
    }
    if (where.length === 0) return;
    try {
      this.consumer.pause(where);
    } catch (error) {
      this.options.logger.event('warn', 'pause failed', { error: describe(error) });
    }
  }

  /**
   * Paused for want of room — in its own budget or in the consumer's (unless it is scanned and its
   * reserve has room) — or for offsets to remember.
   */
  private isHeldBack(track: PartitionTrack): boolean {
    const full = track.budget.isFull || this.waitingForRoom.has(track);
    return (
      track.crowded ||
      (full && (!track.scanning || this.spentReserve.has(track) || track.awaiting !== null))
    );
  }

  /**
   * A scanned partition waits to see whether a key new to it keeps up: until the key finishes a
   * message, or for `BEHIND_AFTER_MS` — by then `scanVerdict` knows.
   */
  private awaitLane(track: PartitionTrack, lane: string): void {
    track.awaiting = lane;
    this.awaited.set(lane, track);
    this.later(BEHIND_AFTER_MS, () => this.laneShowed(lane));
  }

  /** The lane a scanned partition waited for finished a message, or waited long enough. */
  private laneShowed(lane: string): void {
    const track = this.awaited.get(lane);
    if (!track) return;
    this.awaited.delete(lane);
    if (track.awaiting !== lane) return;
    track.awaiting = null;
    if (track.recovering || this.isHeldBack(track)) return;
    if (this.tracks.get(`${track.topic}:${track.partition}`) !== track) return;
    this.resume([{ topic: track.topic, partitions: [track.partition] }]);
  }

  /** A partition no longer scanned (it has room, or recovers) waits for no lane. */
  private stopAwaiting(track: PartitionTrack): void {
    if (track.awaiting !== null && this.awaited.get(track.awaiting) === track) {
      this.awaited.delete(track.awaiting);
    }
    track.awaiting = null;
  }

  /** Scanned partitions paused for a spent reserve go on once half of it is free again. */
  private refillReserves(): void {
    if (!this.total.reserveHasRoom) return;
    for (const track of this.spentReserve) {
      if (!track.budget.reserveHasRoom) continue;
      this.spentReserve.delete(track);
      if (track.recovering || this.isHeldBack(track)) continue;
      if (this.tracks.get(`${track.topic}:${track.partition}`) !== track) continue;
      this.resume([{ topic: track.topic, partitions: [track.partition] }]);
    }
  }

  /**
   * A partition paused for want of room is scanned if it still is in a while: its next batches leave
   * heavy keys' messages in Kafka and take light keys' (see `SCAN_FULL_AFTER_MS`).
   */
  private scanWhenStillFull(track: PartitionTrack): void {
    if (this.options.handleBatch) return;
    if (!track.budget.isFull && !this.waitingForRoom.has(track)) return;
    track.fullSince ??= Date.now();
    if (track.scanArmed) return;
    track.scanArmed = true;
    this.later(SCAN_FULL_AFTER_MS, () => this.scanIfStillFull(track));
  }

  private scanIfStillFull(track: PartitionTrack): void {
    track.scanArmed = false;
    if (track.fullSince === null || track.recovering || track.scanning) return;
    if (this.tracks.get(`${track.topic}:${track.partition}`) !== track) return;
    // Full since less long than that (it had room in between): not stuck, only busy.
    const waited = Date.now() - track.fullSince;
    if (waited < SCAN_FULL_AFTER_MS) {
      track.scanArmed = true;
      this.later(SCAN_FULL_AFTER_MS - waited, () => this.scanIfStillFull(track));
      return;
    }
    track.scanning = true;
    this.options.logger.event(
      'warn',
      'partition held back for room; reading on past its slow keys',
      {
        group: this.options.groupId,
        topic: track.topic,
        partition: track.partition,
        full: track.budget.isFull ? 'partition' : 'consumer',
        full_for_ms: waited,
      },
    );
    if (!this.isHeldBack(track))
      this.resume([{ topic: track.topic, partitions: [track.partition] }]);
  }

  /**
   * Half of a full partition's budget is free: a scan is over, and what the partition left in Kafka
   * meanwhile — every key's, in order — is fetched again.
   */
  private endScan(track: PartitionTrack): void {
    const scanned = track.scanning;
    track.scanning = false;
    this.spentReserve.delete(track);
    this.stopAwaiting(track);
    track.fullSince = null;
    const left = track.left;
    if (scanned) {
      this.options.logger.event('info', 'partition has room again; fetching what it left', {
        group: this.options.groupId,
        topic: track.topic,
        partition: track.partition,
        from: left?.from.toString() ?? null,
      });
    }
    if (left === null || (!scanned && !this.waitsForPartitionRoom(track))) return;
    this.forgetLeft(track);
    if (track.recovering || this.stopping) return;
    if (this.tracks.get(`${track.topic}:${track.partition}`) !== track) return;
    this.seekTo(track, left.from);
  }

  /** Whether a lane's left messages wait for their partition's room rather than their own. */
  private waitsForPartitionRoom(track: PartitionTrack): boolean {
    return [...(track.left?.lanes ?? [])].some(
      (lane) => this.lanes.load(lane) <= this.maxPerKey / 2,
    );
  }

  private seekTo(track: PartitionTrack, offset: bigint): void {
    try {
      this.consumer.seek({
        topic: track.topic,
        partition: track.partition,
        offset: offset.toString(),
      });
    } catch (error) {
      this.options.logger.event('warn', 'seek failed', { error: describe(error) });
    }
  }

  /**
   * Leaves a message in Kafka: its key's lane has too much unfinished. The partition goes on with its
   * other keys; once the lane is down to half, it is fetched again from the first message left.
   */
  private leave(track: PartitionTrack, lane: string, offset: bigint, dueAt: number): void {
    track.offsets.leave(offset, dueAt);
    if (track.highestSeen === null || offset > track.highestSeen) track.highestSeen = offset;
    if (track.left === null) track.left = { from: offset, lanes: new Set() };
    else if (offset < track.left.from) track.left.from = offset;
    if (track.left.lanes.has(lane)) return;
    track.left.lanes.add(lane);
    this.overflowing.set(lane, track);
  }

  /**
   * Takes a message into the budgets and hands it to its lane (or the batch): `full` when a budget
   * has no room for it, `claimed` when it is handled or running already.
   */
  private admit(
    track: PartitionTrack,
    raw: RawMessage,
    offset: bigint,
    dueAt: number,
    sink: { work: Promise<void>[]; taken: RawMessage[] },
    lane?: string,
  ): 'taken' | 'claimed' | 'full' {
    const size = raw.value?.length ?? 0;
    // While the partition is scanned, a light key's message takes a full budget's reserve; once that
    // is spent, the partition pauses until half of it is free.
    if (!track.budget.fits(size)) {
      if (!track.scanning) return 'full';
      if (!track.budget.fitsReserve(size)) {
        this.spentReserve.add(track);
        return 'full';
      }
    }
    if (!this.total.fits(size)) {
      if (!track.scanning || !this.total.fitsReserve(size)) {
        if (track.scanning) this.spentReserve.add(track);
        this.holdBackAll(track);
        return 'full';
      }
    }
    if (!track.offsets.take(offset, dueAt)) return 'claimed';
    if (track.highestSeen === null || offset > track.highestSeen) track.highestSeen = offset;
    track.budget.add(size);
    this.total.add(size);
    if (this.options.handleBatch) sink.taken.push(raw);
    else sink.work.push(this.dispatch(track, raw, lane));
    return 'taken';
  }

  /** Leaves the messages waiting to be left: another key's message after them was taken or passed. */
  private leaveAll(track: PartitionTrack, toLeave: Pending[], leaving: Set<string>): void {
    for (const one of toLeave) this.leave(track, one.lane, one.offset, one.dueAt);
    toLeave.length = 0;
    leaving.clear();
  }

  /** A message of `lane` settled: if the lane left messages and is down to half, fetch them again. */
  private roomInLane(lane: string): void {
    const track = this.overflowing.get(lane);
    if (!track || this.lanes.load(lane) > this.maxPerKey / 2) return;
    // A full or scanned partition fetches its left messages again once it has room (`endScan`), not
    // before: fetched now, they would only be left again.
    if (track.budget.isFull || track.scanning) return;
    const left = track.left;
    this.forgetLeft(track);
    if (!left || track.recovering || this.stopping) return;
    if (this.tracks.get(`${track.topic}:${track.partition}`) !== track) return;
    this.seekTo(track, left.from);
    // Fetched again below what it had seen: a crowded partition may take those (they are remembered).
    if (track.crowded) {
      track.crowded = false;
      if (!this.isHeldBack(track)) {
        this.resume([{ topic: track.topic, partitions: [track.partition] }]);
      }
    }
  }

  /** What the partition left is fetched again from elsewhere (a seek back, or a new owner). */
  private forgetLeft(track: PartitionTrack): void {
    if (track.left === null) return;
    for (const lane of track.left.lanes) {
      if (this.overflowing.get(lane) === track) this.overflowing.delete(lane);
    }
    track.left = null;
  }

  /** Waits for a batch's work, heartbeating, but no longer than the batch budget. */
  private async awaitWithinBudget(payload: EachBatchPayload, work: Promise<void>[]): Promise<void> {
    if (work.length === 0) return;
    const all = Promise.all(work).then(() => true);
    const deadline = Date.now() + this.budgetMs;
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return;
      let timer: NodeJS.Timeout | undefined;
      const finished = await Promise.race([
        all,
        new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), Math.min(remaining, HEARTBEAT_EVERY_MS));
        }),
      ]);
      clearTimeout(timer);
      if (finished || !payload.isRunning() || payload.isStale()) return;
      await payload.heartbeat();
    }
  }

  /**
   * Queues a message on its key's lane; the promise settles when it is handled or handed back (and
   * its place in the budgets is given back). One message's bookkeeping in one reaction: this runs
   * for every delivery.
   */
  private dispatch(track: PartitionTrack, raw: RawMessage, lane = laneId(raw)): Promise<void> {
    const size = raw.value?.length ?? 0;
    const work: Promise<void> = this.lanes.enqueue(lane, [raw]).then(() => {
      this.running.delete(work);
      this.giveBack(track, 1, size);
      if (this.overflowing.size > 0) this.roomInLane(lane);
      if (this.awaited.size > 0) this.laneShowed(lane);
    });
    this.running.add(work);
    return work;
  }

  /**
   * Queues a partition's batch on its topic's batch lane: whatever queued there while the last batch
   * ran — from any partition — is handled together, so a trickle over many partitions still costs one
   * statement and one produce per round, while each partition's messages keep their order.
   */
  private dispatchBatch(track: PartitionTrack, raws: RawMessage[]): Promise<void> {
    for (const raw of raws) this.fetchedIn.set(raw, track.epoch);
    const id = `${track.topic}:*batch*`;
    // A big fetch goes in several batches, in order: the first one's results flow on (to the next
    // service) while the next is handled, instead of all of them waiting for the whole fetch.
    const most = this.options.maxBatchMessages ?? DEFAULT_MAX_BATCH_MESSAGES;
    const parts: Promise<void>[] = [];
    for (let from = 0; from < raws.length; from += most) {
      const part = raws.slice(from, from + most);
      parts.push(this.weigh(track, part, this.lanes.enqueue(id, part, most)));
    }
    return this.track$(Promise.all(parts).then(() => undefined));
  }

  private run(raws: RawMessage[], release: () => void): Promise<void> {
    const [raw] = raws;
    const track = this.tracks.get(trackId(raw));
    const definition = this.options.topics.find((topic) => topic.name === raw.topic);
    // A partition this member lost meanwhile: its new owner handles the messages.
    if (!track || !definition) return Promise.resolve();
    if (this.options.handleBatch) return this.runBatch(definition, raws);
    const verdict = this.giveUpOn(raw);
    return this.settle(track, raw, release, (freed) =>
      this.handleMessage(definition, raw, verdict, freed),
    );
  }

  /**
   * Handles a batch: whole, or — after it failed once while the dependencies answered — one message
   * at a time, so a message that keeps failing is found and parked on its own. Offsets complete as
   * their part does. When a part fails, what is left of it and after it is handed back and each
   * partition it came from recovers; messages of a partition that recovered (or was lost) since they
   * were fetched are not handled — the partition is fetched again from its first unfinished one.
   */
  private async runBatch(definition: TopicDefinition<T>, raws: RawMessage[]): Promise<void> {
    const live: RawMessage[] = [];
    for (const raw of raws) {
      const track = this.tracks.get(trackId(raw));
      if (track && !track.recovering && this.fetchedIn.get(raw) === track.epoch) live.push(raw);
      else track?.offsets.fail(BigInt(raw.offset));
    }
    if (live.length === 0) return;
    const split = live.length > 1 && live.some((raw) => this.failuresOf(raw)?.has(raw.offset));
    const parts = split ? live.map((raw) => [raw]) : [live];
    let failed: { part: RawMessage[]; error: unknown } | null = null;
    await this.slots.acquire();
    try {
      for (const part of parts) {
        try {
          await this.handlePart(definition, part);
        } catch (error) {
          failed = { part, error };
          break;
        }
        for (const raw of part) {
          const track = this.tracks.get(trackId(raw));
          track?.offsets.complete(BigInt(raw.offset));
          track?.failures.delete(raw.offset);
        }
      }
    } finally {
      this.slots.release();
    }
    if (failed) {
      const left = live.slice(live.indexOf(failed.part[0]));
      const tracks = new Set<PartitionTrack>();
      for (const raw of left) {
        const track = this.tracks.get(trackId(raw));
        track?.offsets.fail(BigInt(raw.offset));
        if (track) tracks.add(track);
      }
      const first = this.tracks.get(trackId(failed.part[0]));
      if (first) await this.countFailure(first, failed.part[0], failed.error);
      for (const track of tracks) this.recover(track, failed.error);
    }
  }

  private failuresOf(raw: RawMessage): PartitionTrack['failures'] | undefined {
    return this.tracks.get(trackId(raw))?.failures;
  }

  /**
   * One part of a batch: each message observed in its own consumer span (metrics and traces as when
   * handled one at a time), the batch handler run once for those that need it, and each outcome
   * applied. Rejects when any of it failed.
   */
  private async handlePart(definition: TopicDefinition<T>, raws: RawMessage[]): Promise<void> {
    const contexts: (<R>(work: () => R) => R)[] = [];
    let decide!: (outcomes: Map<string, HandlerOutcome>) => void;
    let refuse!: (error: unknown) => void;
    const decided = new Promise<Map<string, HandlerOutcome>>((resolve, reject) => {
      decide = resolve;
      refuse = reject;
    });
    decided.catch(() => undefined);
    const verdicts = raws.map((raw) => this.giveUpOn(raw));
    const works = raws.map((raw, index) => {
      const work = async (): Promise<HandlerOutcome> => {
        contexts[index] = captureContext();
        const outcome = verdicts[index] ?? (await decided).get(messageId(raw)) ?? null;
        return this.applyOutcome(definition, raw, outcome);
      };
      return this.options.observe ? this.options.observe(raw, work) : work();
    });
    try {
      const pending: ConsumedMessage<T>[] = [];
      raws.forEach((raw, index) => {
        if (verdicts[index]) return;
        const decoded = definition.decode(raw.value);
        if (decoded.ok) pending.push({ ...raw, message: decoded.value, within: contexts[index] });
      });
      decide(await this.handleBatchOrSplit(pending));
    } catch (error) {
      refuse(error);
    }
    for (const result of await Promise.allSettled(works)) {
      if (result.status === 'rejected') throw result.reason;
    }
  }

  /** Outcomes by offset; a batch failing for a reason bound to the data is split to find the one. */
  private async handleBatchOrSplit(
    messages: ConsumedMessage<T>[],
  ): Promise<Map<string, HandlerOutcome>> {
    const outcomes = new Map<string, HandlerOutcome>();
    if (messages.length === 0) return outcomes;
    try {
      const handled = await (
        this.options.handleBatch as NonNullable<ConsumerRunnerOptions<T>['handleBatch']>
      )(messages);
      messages.forEach((message, index) => outcomes.set(messageId(message), handled[index]));
    } catch (error) {
      if (!this.options.isPermanent?.(error)) throw error;
      if (messages.length === 1) {
        outcomes.set(messageId(messages[0]), {
          kind: 'deadLetter',
          code: 'unprocessable',
          reason: describe(error),
        });
      } else {
        for (const message of messages) {
          for (const [id, outcome] of await this.handleBatchOrSplit([message])) {
            outcomes.set(id, outcome);
          }
        }
      }
    }
    return outcomes;
  }

  private track$(work: Promise<void>): Promise<void> {
    this.running.add(work);
    void work.finally(() => this.running.delete(work));
    return work;
  }

  /**
   * Runs one handler in a slot and records the result for the commit; never rejects. The handler
   * may release its slot and its lane's place early (see `ConsumedMessage.release`).
   */
  private async settle(
    track: PartitionTrack,
    raw: RawMessage,
    releaseLane: () => void,
    run: (release: () => void) => Promise<unknown>,
  ): Promise<void> {
    const offset = BigInt(raw.offset);
    if (!this.slots.tryAcquire()) await this.slots.acquire();
    let holdsSlot = true;
    const release = (): void => {
      if (!holdsSlot) return;
      holdsSlot = false;
      this.slots.release();
      releaseLane();
    };
    let failure: { error: unknown } | null = null;
    try {
      await run(release);
      track.offsets.complete(offset);
      track.failures.delete(raw.offset);
    } catch (error) {
      track.offsets.fail(offset);
      this.lanes.break(laneId(raw));
      failure = { error };
    } finally {
      if (holdsSlot) {
        holdsSlot = false;
        this.slots.release();
      }
    }
    if (failure) {
      await this.countFailure(track, raw, failure.error);
      this.recover(track, failure.error);
    }
  }

  /** Commits every partition whose low watermark moved, in one request; one commit at a time. */
  private commitAll(): Promise<void> {
    this.committing ??= this.commitMoved().finally(() => {
      this.committing = null;
    });
    return this.committing;
  }

  private async commitMoved(): Promise<void> {
    const moved: { track: PartitionTrack; mark: bigint }[] = [];
    for (const track of this.tracks.values()) {
      const mark = track.offsets.watermark();
      // The watermark moved and the offsets below it were forgotten: a crowded partition may go on.
      if (track.crowded && track.offsets.tracked < MAX_TRACKED_OFFSETS / 2) {
        track.crowded = false;
        if (!track.recovering && !this.isHeldBack(track)) {
          this.resume([{ topic: track.topic, partitions: [track.partition] }]);
        }
      }
      if (mark !== null && (track.committed === null || mark > track.committed)) {
        moved.push({ track, mark });
      }
    }
    if (moved.length === 0) return;
    try {
      await this.consumer.commitOffsets(
        moved.map(({ track, mark }) => ({
          topic: track.topic,
          partition: track.partition,
          offset: mark.toString(),
        })),
      );
      for (const { track, mark } of moved) {
        track.committed = mark;
        track.backoffMs = 0;
      }
    } catch (error) {
      // A rebalance under way: the next tick commits again, or the new owner redoes the work.
      this.options.logger.event('warn', 'offset commit failed', {
        partitions: moved.map(({ track }) => `${track.topic}:${track.partition}`).join(','),
        error: describe(error),
      });
    }
  }

  /** Counts a failure against its message, unless the dependencies are down (then it is theirs). */
  private async countFailure(
    track: PartitionTrack,
    raw: RawMessage,
    error: unknown,
  ): Promise<void> {
    if (this.options.dependenciesUp && !(await this.options.dependenciesUp())) return;
    const count = (track.failures.get(raw.offset)?.count ?? 0) + 1;
    track.failures.set(raw.offset, { count, error: describe(error) });
  }

  /** A message that failed too often, always while the dependencies were up, is dead-lettered. */
  private giveUpOn(raw: RawMessage): HandlerOutcome | null {
    const failed = this.failuresOf(raw)?.get(raw.offset);
    const limit = this.options.maxFailures ?? DEFAULT_MAX_FAILURES;
    if (!failed || failed.count < limit) return null;
    return {
      kind: 'deadLetter',
      code: 'handler_failed',
      reason: `handling failed ${failed.count} times while PostgreSQL and Kafka answered: ${failed.error}`,
    };
  }

  /**
   * Infrastructure trouble (database, producer): pause the partition, then fetch again from the first
   * unfinished message after a growing pause — without sleeping in a handler, so the group keeps
   * heartbeating. Messages already handled are not handled again.
   */
  private recover(track: PartitionTrack, failure: unknown): void {
    if (track.recovering) return;
    track.recovering = true;
    track.scanning = false;
    this.spentReserve.delete(track);
    this.stopAwaiting(track);
    track.epoch++;
    // It is fetched again from its watermark, below whatever it left: that must not seek elsewhere.
    this.forgetLeft(track);
    track.backoffMs = Math.min(MAX_BACKOFF_MS, Math.max(500, track.backoffMs * 2));
    this.options.logger.event('error', 'handler failed; partition paused', {
      topic: track.topic,
      partition: track.partition,
      backoff_ms: track.backoffMs,
      error: describe(failure),
    });
    const where = [{ topic: track.topic, partitions: [track.partition] }];
    this.consumer.pause(where);
    this.later(track.backoffMs, () => {
      track.recovering = false;
      if (this.stopping || this.tracks.get(`${track.topic}:${track.partition}`) !== track) return;
      // What was handed back is fetched again from here, in order: its lanes take messages again.
      this.lanes.repair(`${track.topic}:${track.partition}:`);
      const mark = track.offsets.watermark();
      if (mark !== null) this.seekTo(track, mark);
      // Still without room: it waits for room as any full partition does, and is scanned in a while.
      if (this.isHeldBack(track)) this.scanWhenStillFull(track);
      else this.resume(where);
    });
  }

  /** Runs `action` after `ms` unless the runner stopped by then. */
  private later(ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopping) action();
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  private resume(where: { topic: string; partitions: number[] }[]): void {
    try {
      this.consumer.resume(where);
    } catch (error) {
      this.options.logger.event('warn', 'resume failed', { error: describe(error) });
    }
  }

  /** An error bound to the message itself is its dead letter; any other is thrown again. */
  private refusal(error: unknown): HandlerOutcome {
    if (!this.options.isPermanent?.(error)) throw error;
    return { kind: 'deadLetter', code: 'unprocessable', reason: describe(error) };
  }

  private handleMessage(
    definition: TopicDefinition<T>,
    raw: RawMessage,
    decided: HandlerOutcome | null,
    release: () => void,
  ): Promise<HandlerOutcome> {
    const work = () => this.applyOutcome(definition, raw, decided, release);
    return this.options.observe ? this.options.observe(raw, work) : work();
  }

  /** Decodes and handles a message (unless its outcome is already decided), then applies the outcome. */
  private async applyOutcome(
    definition: TopicDefinition<T>,
    raw: RawMessage,
    decided: HandlerOutcome | null,
    release?: () => void,
  ): Promise<HandlerOutcome> {
    const decoded = definition.decode(raw.value);
    if (!decoded.ok) {
      const outcome = {
        kind: 'deadLetter',
        code: 'undecodable',
        reason: decoded.reason,
      } as const;
      await this.options.deadLetter(raw, outcome);
      return outcome;
    }
    const consumed: ConsumedMessage<T> = { ...raw, message: decoded.value, release };
    let outcome = decided;
    if (outcome === null) {
      try {
        if (!this.options.handle) throw new Error('a consumer runner needs handle or handleBatch');
        outcome = await this.options.handle(consumed);
      } catch (error) {
        outcome = this.refusal(error);
      }
    }
    switch (outcome.kind) {
      case 'ack':
        return outcome;
      case 'deadLetter':
        await this.options.deadLetter(raw, outcome);
        break;
      case 'retry':
      case 'defer':
        if (this.options.retry) await this.options.retry(consumed, outcome);
        else
          await this.options.deadLetter(raw, {
            kind: 'deadLetter',
            code: 'retry_unsupported',
            reason: outcome.reason,
          });
        break;
    }
    return outcome;
  }
}

const trackId = (raw: RawMessage): string => `${raw.topic}:${raw.partition}`;

/** A message's place: a batch may hold several partitions' messages, whose offsets repeat. */
const messageId = (raw: RawMessage): string => `${raw.topic}:${raw.partition}:${raw.offset}`;

/** A key's lane on its partition; a message without a key has one of its own. */
const laneId = (raw: RawMessage): string =>
  `${raw.topic}:${raw.partition}:${raw.key ?? `offset:${raw.offset}`}`;

/** Errors may come from another realm (jest), where `instanceof Error` fails. */
function describe(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}
