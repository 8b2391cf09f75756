import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { isPermanentFailure } from '@herald/kafka';
import { DeliveriesRepository, type AttemptRecord } from '@herald/persistence';

/** A batch is written when this many attempts wait, */
export const ATTEMPT_BATCH_SIZE = 500;
/** or when the oldest has waited this long. */
export const ATTEMPT_BATCH_DELAY_MS = 10;
/**
 * Batches written at once. No two of them hold the same delivery: an attempt of a delivery another
 * batch is writing waits for the next. Sorting a batch's rows by id did not keep two batches from
 * deadlocking — PostgreSQL locks them in the order its plan visits them (a bitmap scan: where the
 * rows lie), and the same delivery can be attempted twice at once: Kafka may carry it twice (a
 * producer that crashed after its send; event-ingest gives a record's deliveries the same ids when
 * it handles the record again), and both copies run in the subscription's window. CI saw it.
 */
export const ATTEMPT_WRITES_AT_ONCE = 2;

/** Where batches go: `DeliveriesRepository` in the deliverer. */
export interface AttemptWriter {
  recordAttempts(records: readonly AttemptRecord[]): Promise<void>;
}

interface Queued {
  record: AttemptRecord;
  queuedAt: number;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Records attempts in batches (group commit): each `record` resolves once its batch is committed, so
 * a handler still acknowledges a message only after its attempt is durable, but the deliverer makes
 * one transaction per batch instead of one per attempt. A failed batch rejects every record in it,
 * and their messages are retried — unless the error is bound to the data (one record PostgreSQL
 * refuses): then each record is written alone, so only that one fails, not its neighbours. Up to
 * ATTEMPT_WRITES_AT_ONCE batches are written at a time; attempts queue behind them.
 */
@Injectable()
export class AttemptRecorder implements OnApplicationShutdown {
  private queue: Queued[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly writing = new Set<Promise<void>>();
  /** The deliveries of the batches being written. */
  private readonly held = new Set<string>();
  private closing = false;

  constructor(@Inject(DeliveriesRepository) private readonly writer: AttemptWriter) {}

  record(record: AttemptRecord): Promise<void> {
    // Text PostgreSQL cannot hold (a NUL in a receiver's answer) is made storable where the batch
    // is written (`storableText`), not copied here first.
    return new Promise((resolve, reject) => {
      this.queue.push({ record, queuedAt: Date.now(), resolve, reject });
      this.schedule();
    });
  }

  /** Writes what is queued, and keeps writing attempts that handlers still finish, immediately. */
  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    while (this.writing.size > 0 || this.queue.length > 0) {
      this.schedule();
      await Promise.race(this.writing);
    }
  }

  private schedule(): void {
    if (this.writing.size >= ATTEMPT_WRITES_AT_ONCE || this.queue.length === 0) return;
    const due = this.queue[0].queuedAt + ATTEMPT_BATCH_DELAY_MS;
    if (this.closing || this.queue.length >= ATTEMPT_BATCH_SIZE || Date.now() >= due) {
      if (this.timer !== null) clearTimeout(this.timer);
      this.timer = null;
      const batch = this.takeBatch();
      // Everything queued belongs to deliveries being written: the end of that write schedules.
      if (batch.length === 0) return;
      this.write(batch);
      this.schedule();
    } else if (this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.schedule();
      }, due - Date.now());
    }
  }

  /** Up to a batch of what is queued, in order, passing over deliveries another batch holds. */
  private takeBatch(): Queued[] {
    if (this.held.size === 0 && this.queue.length <= ATTEMPT_BATCH_SIZE)
      return this.queue.splice(0);
    const batch: Queued[] = [];
    const rest: Queued[] = [];
    for (const queued of this.queue) {
      if (batch.length < ATTEMPT_BATCH_SIZE && !this.held.has(queued.record.deliveryId)) {
        batch.push(queued);
      } else {
        rest.push(queued);
      }
    }
    this.queue = rest;
    return batch;
  }

  private write(batch: Queued[]): void {
    const ids = batch.map((queued) => queued.record.deliveryId);
    for (const id of ids) this.held.add(id);
    const writing: Promise<void> = this.writeBatch(batch).finally(() => {
      for (const id of ids) this.held.delete(id);
      this.writing.delete(writing);
      this.schedule();
    });
    this.writing.add(writing);
  }

  private async writeBatch(batch: Queued[]): Promise<void> {
    try {
      await this.writer.recordAttempts(batch.map((queued) => queued.record));
      batch.forEach((queued) => queued.resolve());
    } catch (error) {
      if (batch.length === 1 || !isPermanentFailure(error)) {
        batch.forEach((queued) => queued.reject(error));
        return;
      }
      for (const queued of batch) await this.writeBatch([queued]);
    }
  }
}
