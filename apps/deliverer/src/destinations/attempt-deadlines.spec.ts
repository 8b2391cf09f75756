import { AttemptDeadlines, DEADLINE_STEP_MS } from './attempt-deadlines';

describe('attempt deadlines', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  const deadlines = (timeoutMs = 1_000) => new AttemptDeadlines({ delivery: { timeoutMs } });

  it('gives attempts that start within one step the same signal, and a later one its own', () => {
    const clock = deadlines();
    const first = clock.signal();
    jest.advanceTimersByTime(DEADLINE_STEP_MS - 1);
    expect(clock.signal()).toBe(first);
    jest.advanceTimersByTime(1);
    expect(clock.signal()).not.toBe(first);
  });

  it('never aborts an attempt before the timeout, and aborts it within one step after', () => {
    const clock = deadlines(1_000);
    const opened = clock.signal();
    jest.advanceTimersByTime(DEADLINE_STEP_MS - 1);
    const latest = clock.signal(); // the last attempt sharing the step
    expect(latest).toBe(opened);
    jest.advanceTimersByTime(1_000);
    expect(latest.aborted).toBe(false); // 1,000 ms after the later attempt started: not yet
    jest.advanceTimersByTime(1);
    expect(latest.aborted).toBe(true); // 1,000 + step after the first one started
  });

  it('aborts with a TimeoutError, as AbortSignal.timeout does', () => {
    const clock = deadlines(100);
    const signal = clock.signal();
    jest.advanceTimersByTime(100 + DEADLINE_STEP_MS);
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).name).toBe('TimeoutError');
    expect(clock.signal().aborted).toBe(false); // an attempt starting now gets a live one
  });

  it('calls a watched attempt with a TimeoutError within one step after the timeout, never before', () => {
    const clock = deadlines(1_000);
    const ended: Error[] = [];
    clock.watch((reason) => ended.push(reason));
    jest.advanceTimersByTime(DEADLINE_STEP_MS - 1);
    clock.watch((reason) => ended.push(reason)); // the last attempt sharing the step
    jest.advanceTimersByTime(1_000);
    expect(ended).toHaveLength(0);
    jest.advanceTimersByTime(1);
    expect(ended.map((reason) => reason.name)).toEqual(['TimeoutError', 'TimeoutError']);
  });

  it('never calls a watched attempt that ended first, and keeps watching the others', () => {
    const clock = deadlines(100);
    const ended: string[] = [];
    const disarm = clock.watch(() => ended.push('finished'));
    clock.watch(() => ended.push('still running'));
    const signal = clock.signal(); // the same step's signal ends with them
    disarm();
    jest.advanceTimersByTime(100 + DEADLINE_STEP_MS);
    expect(ended).toEqual(['still running']);
    expect(signal.aborted).toBe(true);
  });
});
