import { deliveryDeadline, waitForCircuit } from './delivery-deadline';
import { retryBudgetMs } from './retry-schedule';

describe('delivery deadline', () => {
  it.each([
    ['no delays: the one attempt', [], 1000, 1000],
    ['the test schedule 1s,2s with 10 s attempts', [1000, 2000], 10_000, 3300 + 30_000],
    ['500ms,1s with 1 s attempts', [500, 1000], 1000, 1650 + 3000],
    ['jitter in whole milliseconds, as nextStep adds it', [5, 15], 100, 21 + 300],
    [
      'the default schedule: about two days',
      [5e3, 30e3, 120e3, 600e3, 1800e3, 3600e3, 10_800e3, 21_600e3, 43_200e3, 86_400e3],
      10_000,
      184_970_500 + 110_000,
    ],
  ])('the budget of %s', (_, schedule, timeoutMs, expected) => {
    expect(retryBudgetMs(schedule, timeoutMs)).toBe(expected);
  });

  it.each([
    ['none carried: now + budget', undefined, 10_000 + 500],
    ['carried', '1970-01-01T00:00:20.000Z', 20_000],
    ['carried and already past', '1970-01-01T00:00:01.000Z', 1000],
    ['unreadable: now + budget', 'tomorrow', 10_000 + 500],
  ])('%s', (_, carried, expected) => {
    expect(deliveryDeadline(carried, 10_000, 500)).toBe(expected);
  });

  it.each([
    ['waits for the circuit when it opens before the deadline', 5000, 9000, 1000, 2, 4000],
    ['waits no longer than the deadline', 30_000, 9000, 1000, 2, 8000],
    ['a circuit already due: no wait', 900, 9000, 1000, 0, 0],
    ['one millisecond before the deadline', 30_000, 9000, 8999, 1, 1],
  ])('%s', (_, retryAt, deadline, now, attemptsMade, afterMs) => {
    expect(waitForCircuit({ retryAt, deadline, now, attemptsMade })).toEqual({
      kind: 'defer',
      afterMs,
    });
  });

  it.each([
    ['at the deadline', 9000, 0, '0 attempts made'],
    ['past the deadline', 12_000, 1, '1 attempt made'],
    ['past it with attempts made', 12_000, 3, '3 attempts made'],
  ])('dead %s', (_, now, attemptsMade, made) => {
    expect(waitForCircuit({ retryAt: 30_000, deadline: 9000, now, attemptsMade })).toEqual({
      kind: 'dead',
      reason: `retry schedule spent while the endpoint's circuit was open (${made})`,
    });
  });
});
