import type { AttemptRecord } from '@herald/persistence';
import {
  ATTEMPT_BATCH_DELAY_MS,
  ATTEMPT_BATCH_SIZE,
  ATTEMPT_WRITES_AT_ONCE,
  AttemptRecorder,
  type AttemptWriter,
} from './attempt-recorder';

const record = (n: number): AttemptRecord => ({
  deliveryId: `dlv_${n}`,
  tenantId: 'ten_a',
  subscriptionId: 'sub_a',
  attempt: 1,
  startedAt: new Date(0),
  durationMs: 1,
  outcome: 'succeeded',
  statusCode: 200,
  errorClass: null,
  errorMessage: null,
  responseExcerpt: 'ok',
  status: 'succeeded',
  nextAttemptAt: null,
});

/** A writer whose batches stay open until the test settles them. */
class FakeWriter implements AttemptWriter {
  readonly batches: { records: AttemptRecord[]; settle(error?: Error): void }[] = [];

  recordAttempts(records: readonly AttemptRecord[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.batches.push({
        records: [...records],
        settle: (error) => (error ? reject(error) : resolve()),
      });
    });
  }

  ids(batch: number): string[] {
    return this.batches[batch].records.map((r) => r.deliveryId);
  }
}

/** Lets promise callbacks run, without moving the fake clock. */
const settled = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

/** Which of these promises have resolved, rejected, or are still pending. */
function track(promises: Promise<void>[]): string[] {
  const states = promises.map(() => 'pending');
  promises.forEach((promise, i) => {
    promise.then(
      () => (states[i] = 'resolved'),
      () => (states[i] = 'rejected'),
    );
  });
  return states;
}

describe('AttemptRecorder: batched attempt writes', () => {
  let writer: FakeWriter;
  let recorder: AttemptRecorder;

  beforeEach(() => {
    jest.useFakeTimers();
    writer = new FakeWriter();
    recorder = new AttemptRecorder(writer);
  });

  afterEach(() => jest.useRealTimers());

  it(`writes ${ATTEMPT_BATCH_DELAY_MS} ms after the first record, and resolves once written`, async () => {
    const states = track([recorder.record(record(1)), recorder.record(record(2))]);
    jest.advanceTimersByTime(ATTEMPT_BATCH_DELAY_MS - 1);
    await settled();
    expect(writer.batches).toHaveLength(0);
    jest.advanceTimersByTime(1);
    await settled();
    expect(writer.batches).toHaveLength(1);
    expect(writer.ids(0)).toEqual(['dlv_1', 'dlv_2']);
    expect(states).toEqual(['pending', 'pending']);
    writer.batches[0].settle();
    await settled();
    expect(states).toEqual(['resolved', 'resolved']);
  });

  it(`writes at once when ${ATTEMPT_BATCH_SIZE} records wait, in the order they came`, async () => {
    const promises = Array.from({ length: ATTEMPT_BATCH_SIZE + 1 }, (_, i) =>
      recorder.record(record(i)),
    );
    await settled();
    expect(writer.batches).toHaveLength(1);
    expect(writer.ids(0)).toEqual(Array.from({ length: ATTEMPT_BATCH_SIZE }, (_, i) => `dlv_${i}`));
    writer.batches[0].settle();
    await settled();
    // The 101st waits for its own delay, counted from when it was queued.
    expect(writer.batches).toHaveLength(1);
    jest.advanceTimersByTime(ATTEMPT_BATCH_DELAY_MS);
    await settled();
    expect(writer.ids(1)).toEqual([`dlv_${ATTEMPT_BATCH_SIZE}`]);
    writer.batches[1].settle();
    await Promise.all(promises);
  });

  it('rejects every record of a failed batch, and only those', async () => {
    const first = track([recorder.record(record(1)), recorder.record(record(2))]);
    jest.advanceTimersByTime(ATTEMPT_BATCH_DELAY_MS);
    await settled();
    const second = track([recorder.record(record(3))]);
    writer.batches[0].settle(new Error('connection reset'));
    await settled();
    expect(first).toEqual(['rejected', 'rejected']);
    const later = track([recorder.record(record(4))]);
    jest.advanceTimersByTime(ATTEMPT_BATCH_DELAY_MS);
    await settled();
    expect(writer.ids(1)).toEqual(['dlv_3', 'dlv_4']);
    writer.batches[1].settle();
    await settled();
    expect([...second, ...later]).toEqual(['resolved', 'resolved']);
  });

  it(`writes ${ATTEMPT_WRITES_AT_ONCE} batches at a time; what queues meanwhile goes in the next one`, async () => {
    const promises: Promise<void>[] = [];
    for (let n = 1; n <= ATTEMPT_WRITES_AT_ONCE; n++) {
      promises.push(recorder.record(record(n)));
      jest.advanceTimersByTime(ATTEMPT_BATCH_DELAY_MS);
      await settled();
    }
    expect(writer.batches).toHaveLength(ATTEMPT_WRITES_AT_ONCE);
    const next = ATTEMPT_WRITES_AT_ONCE + 1;
    promises.push(recorder.record(record(next)), recorder.record(record(next + 1)));
    jest.advanceTimersByTime(5 * ATTEMPT_BATCH_DELAY_MS);
    await settled();
    expect(writer.batches).toHaveLength(ATTEMPT_WRITES_AT_ONCE);
    writer.batches[0].settle();
    await settled();
    // Overdue already: written as soon as a batch is done.
    expect(writer.batches).toHaveLength(ATTEMPT_WRITES_AT_ONCE + 1);
    expect(writer.ids(ATTEMPT_WRITES_AT_ONCE)).toEqual([`dlv_${next}`, `dlv_${next + 1}`]);
    writer.batches.slice(1).forEach((batch) => batch.settle());
    await Promise.all(promises);
  });

  it('never writes one delivery in two batches at once: its next attempt waits for the batch that holds it', async () => {
    const first = track([recorder.record(record(1))]);
    jest.advanceTimersByTime(ATTEMPT_BATCH_DELAY_MS);
    await settled();
    expect(writer.ids(0)).toEqual(['dlv_1']);
    // The same delivery again (Kafka carried it twice), and another.
    const again = track([recorder.record(record(1)), recorder.record(record(2))]);
    jest.advanceTimersByTime(ATTEMPT_BATCH_DELAY_MS);
    await settled();
    expect(writer.batches).toHaveLength(2);
    expect(writer.ids(1)).toEqual(['dlv_2']);
    writer.batches[1].settle();
    await settled();
    expect(writer.batches).toHaveLength(2);
    expect(again).toEqual(['pending', 'resolved']);
    writer.batches[0].settle();
    await settled();
    expect(first).toEqual(['resolved']);
    expect(writer.ids(2)).toEqual(['dlv_1']);
    writer.batches[2].settle();
    await settled();
    expect(again).toEqual(['resolved', 'resolved']);
  });

  it('on shutdown writes what is queued at once, and records that come later without delay', async () => {
    const states = track([recorder.record(record(1))]);
    const shutdown = recorder.onApplicationShutdown();
    await settled();
    expect(writer.ids(0)).toEqual(['dlv_1']);
    const late = track([recorder.record(record(2))]);
    writer.batches[0].settle();
    await settled();
    expect(writer.ids(1)).toEqual(['dlv_2']);
    writer.batches[1].settle();
    await shutdown;
    expect(states).toEqual(['resolved']);
    expect(late).toEqual(['resolved']);
  });
});
