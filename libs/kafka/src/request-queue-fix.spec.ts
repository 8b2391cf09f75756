import { readFileSync } from 'node:fs';
import { RequestQueue } from './request-queue-fix';

const queue = () =>
  new RequestQueue({
    maxInFlightRequests: 1,
    requestTimeout: 30_000,
    enforceRequestTimeout: false,
    clientId: 'spec',
    broker: '127.0.0.1:9092',
    logger: {
      debug: () => undefined,
      info: () => undefined,
      warn: () => undefined,
      error: () => undefined,
    },
  });

describe("kafkajs's request queue, as Herald fixes it", () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('is the kafkajs version the fix was written against (check the fix again on an upgrade)', () => {
    const manifest = JSON.parse(readFileSync(require.resolve('kafkajs/package.json'), 'utf8')) as {
      version: string;
    };
    expect(manifest.version).toBe('2.2.4');
  });

  it('arms no timer when nothing is pending and nothing is throttled (kafkajs re-armed one every millisecond)', () => {
    jest.useFakeTimers();
    const idle = queue();
    const checks = jest.spyOn(idle, 'checkPendingRequests');
    idle.checkPendingRequests();
    expect(idle.throttleCheckTimeoutId).toBeNull();
    jest.advanceTimersByTime(1_000);
    expect(checks).toHaveBeenCalledTimes(1);
  });

  it('checks pending requests every 10 ms, and when a throttle ends', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const busy = queue();
    busy.pending.push({});
    busy.scheduleCheckPendingRequests();
    expect(busy.throttleCheckTimeoutId).not.toBeNull();
    const checks = jest.spyOn(busy, 'checkPendingRequests').mockImplementation(() => undefined);
    jest.advanceTimersByTime(9);
    expect(checks).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(checks).toHaveBeenCalledTimes(1);

    const throttled = queue();
    throttled.throttledUntil = Date.now() + 250;
    throttled.scheduleCheckPendingRequests();
    const unthrottled = jest
      .spyOn(throttled, 'checkPendingRequests')
      .mockImplementation(() => undefined);
    jest.advanceTimersByTime(249);
    expect(unthrottled).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(unthrottled).toHaveBeenCalledTimes(1);
  });
});
