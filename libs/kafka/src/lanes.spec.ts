import { Lanes } from './lanes';

/** A message of the tests: its lane's window travels with it. */
interface Message {
  n: number;
  window: number;
}

/** Runs that stay open until the test finishes or releases them. */
class Harness {
  readonly started: number[] = [];
  readonly handedBack: number[] = [];
  private readonly open = new Map<
    number,
    { finish(error?: Error): void; release(): void; messages: Message[] }
  >();
  readonly lanes = new Lanes<Message>({
    windowOf: (next) => next.window,
    run: (messages, release) =>
      new Promise<void>((resolve, reject) => {
        this.started.push(...messages.map((message) => message.n));
        this.open.set(messages[0].n, {
          finish: (error) => (error ? reject(error) : resolve()),
          release,
          messages,
        });
      }),
    handBack: (messages) => this.handedBack.push(...messages.map((message) => message.n)),
  });

  finish(n: number, error?: Error): void {
    const run = this.open.get(n);
    if (!run) throw new Error(`message ${n} is not running`);
    this.open.delete(n);
    run.finish(error);
  }

  release(n: number): void {
    this.open.get(n)?.release();
  }

  batchOf(n: number): number[] {
    return (this.open.get(n)?.messages ?? []).map((message) => message.n);
  }

  get running(): number[] {
    return [...this.open.keys()];
  }
}

const settled = () => new Promise((resolve) => setImmediate(resolve));
const messages = (from: number, to: number, window: number): Message[] =>
  Array.from({ length: to - from + 1 }, (_, index) => ({ n: from + index, window }));

describe('Lanes: per-key order and windows', () => {
  it('a window of one runs a lane strictly one after another, in order', async () => {
    const h = new Harness();
    for (const message of messages(1, 3, 1)) void h.lanes.enqueue('a', [message]);
    expect(h.started).toEqual([1]);
    h.finish(1);
    await settled();
    expect(h.started).toEqual([1, 2]);
    h.finish(2);
    await settled();
    h.finish(3);
    await settled();
    expect(h.started).toEqual([1, 2, 3]);
    expect(h.lanes.size).toBe(0);
  });

  it('a window of K starts one first, then up to K at once, in order; each finish starts the next', async () => {
    const h = new Harness();
    for (const message of messages(1, 10, 4)) void h.lanes.enqueue('a', [message]);
    expect(h.started).toEqual([1, 2, 3, 4]);
    h.finish(2);
    await settled();
    expect(h.started).toEqual([1, 2, 3, 4, 5]);
    expect(h.running).toEqual([1, 3, 4, 5]);
  });

  it('release frees a place in the window before the run has finished', async () => {
    const h = new Harness();
    const done: number[] = [];
    for (const message of messages(1, 3, 1)) {
      void h.lanes.enqueue('a', [message]).then(() => done.push(message.n));
    }
    h.release(1);
    expect(h.started).toEqual([1, 2]);
    // Released twice, or released and then finished: counted once.
    h.release(1);
    expect(h.started).toEqual([1, 2]);
    h.finish(1);
    await settled();
    expect(h.started).toEqual([1, 2]);
    expect(done).toEqual([1]);
    h.finish(2);
    await settled();
    expect(h.started).toEqual([1, 2, 3]);
  });

  it('lanes are independent: a slow key does not hold another back', async () => {
    const h = new Harness();
    void h.lanes.enqueue('slow', [{ n: 1, window: 1 }]);
    void h.lanes.enqueue('slow', [{ n: 2, window: 1 }]);
    for (const message of messages(10, 12, 1)) void h.lanes.enqueue('fast', [message]);
    for (const n of [10, 11]) {
      h.finish(n);
      await settled();
    }
    expect(h.started).toEqual([1, 10, 11, 12]);
    expect(h.running).toEqual([1, 12]);
  });

  it('knows how many messages a lane holds, queued or running, until each settles or is handed back', async () => {
    const h = new Harness();
    expect(h.lanes.load('a')).toBe(0);
    for (const message of messages(1, 4, 2)) void h.lanes.enqueue('a', [message]);
    expect(h.lanes.load('a')).toBe(4);
    // Released (its window place is free) is not settled: it still counts.
    h.release(1);
    expect(h.lanes.load('a')).toBe(4);
    h.finish(1);
    await settled();
    expect(h.lanes.load('a')).toBe(3);
    h.lanes.break('a');
    h.finish(2, new Error('failed'));
    await settled();
    // 2 settled, 3 runs on, 4 was handed back.
    expect(h.handedBack).toEqual([4]);
    expect(h.lanes.load('a')).toBe(1);
    h.finish(3);
    await settled();
    expect(h.lanes.load('a')).toBe(0);
  });

  it('knows how a lane is getting on: since when it is busy, when it last finished, and since when its next message waits', async () => {
    jest.useFakeTimers({ now: 1_000, doNotFake: ['setImmediate'] });
    try {
      const h = new Harness();
      expect(h.lanes.progress('a')).toBeNull();
      // A window of one: 1 starts, 2 waits from 1,000 and 3 from 1,500.
      void h.lanes.enqueue('a', [{ n: 1, window: 1 }]);
      void h.lanes.enqueue('a', [{ n: 2, window: 1 }]);
      jest.setSystemTime(1_500);
      void h.lanes.enqueue('a', [{ n: 3, window: 1 }]);
      expect(h.lanes.progress('a')).toEqual({
        since: 1_000,
        finishedAt: null,
        waitingSince: 1_000,
      });
      jest.setSystemTime(1_700);
      h.finish(1);
      await settled();
      expect(h.started).toEqual([1, 2]);
      expect(h.lanes.progress('a')).toEqual({
        since: 1_000,
        finishedAt: 1_700,
        waitingSince: 1_500,
      });
      h.finish(2);
      await settled();
      // 3 runs: nothing waits, though the lane still holds it.
      expect(h.lanes.progress('a')?.waitingSince).toBeNull();
      h.finish(3);
      await settled();
      // Idle: forgotten, and busy again from its next message.
      expect(h.lanes.progress('a')).toBeNull();
      jest.setSystemTime(2_000);
      void h.lanes.enqueue('a', [{ n: 4, window: 1 }]);
      expect(h.lanes.progress('a')).toEqual({ since: 2_000, finishedAt: null, waitingSince: null });
    } finally {
      jest.useRealTimers();
    }
  });

  it('a broken lane hands back what is queued, until repaired', async () => {
    const h = new Harness();
    const done: number[] = [];
    for (const message of messages(1, 3, 1)) {
      void h.lanes.enqueue('topic:0:a', [message]).then(() => done.push(message.n));
    }
    h.lanes.break('topic:0:a');
    h.finish(1, new Error('failed'));
    await settled();
    expect(h.handedBack).toEqual([2, 3]);
    expect(done.sort()).toEqual([1, 2, 3]);
    h.lanes.repair('topic:0:');
    void h.lanes.enqueue('topic:0:a', [{ n: 2, window: 1 }]);
    expect(h.started).toEqual([1, 2]);
  });

  it('a merging lane takes what queued while it ran as one item, up to its limit', async () => {
    const h = new Harness();
    void h.lanes.enqueue('p', messages(1, 2, 1), 5);
    await settled();
    expect(h.batchOf(1)).toEqual([1, 2]);
    void h.lanes.enqueue('p', messages(3, 4, 1), 5);
    void h.lanes.enqueue('p', messages(5, 7, 1), 5);
    void h.lanes.enqueue('p', messages(8, 8, 1), 5);
    h.finish(1);
    await settled();
    // 3-4 and 5-7 reach the limit of five together; 8 waits for the next turn.
    expect(h.batchOf(3)).toEqual([3, 4, 5, 6, 7]);
    h.finish(3);
    await settled();
    expect(h.batchOf(8)).toEqual([8]);
  });

  it('an idle merging lane starts at the end of the turn, with everything the turn queued', async () => {
    const h = new Harness();
    // One fetch's partitions, handed over one call each in the same turn.
    void h.lanes.enqueue('p', messages(1, 2, 1), 100);
    void h.lanes.enqueue('p', messages(3, 3, 1), 100);
    void h.lanes.enqueue('p', messages(4, 6, 1), 100);
    expect(h.started).toEqual([]);
    await settled();
    expect(h.batchOf(1)).toEqual([1, 2, 3, 4, 5, 6]);
    h.finish(1);
    await settled();
    expect(h.lanes.size).toBe(0);
  });

  it('closing hands back everything queued, now and later', async () => {
    const h = new Harness();
    for (const message of messages(1, 3, 1)) void h.lanes.enqueue('a', [message]);
    h.lanes.close();
    expect(h.handedBack).toEqual([2, 3]);
    await h.lanes.enqueue('b', [{ n: 9, window: 1 }]);
    expect(h.handedBack).toEqual([2, 3, 9]);
    expect(h.started).toEqual([1]);
  });
});
