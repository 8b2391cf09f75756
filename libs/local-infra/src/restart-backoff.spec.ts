import { nextRestart } from './restart-backoff';

describe('nextRestart', () => {
  it.each([
    // streak before, up for, streak after, delay
    [0, 500, 1, 1_000],
    [1, 500, 2, 2_000],
    [2, 10_000, 3, 4_000],
    [4, 0, 5, 16_000],
    [5, 0, 6, 30_000],
    [1_000, 0, 1_001, 30_000],
    [7, 59_999, 8, 30_000],
    [7, 60_000, 1, 1_000],
    [0, 3_600_000, 1, 1_000],
  ])(
    'after %i quick exits, an exit after %i ms is number %i in a row and waits %i ms',
    (streak, upMs, nextStreak, delayMs) => {
      expect(nextRestart(streak, upMs)).toEqual({ streak: nextStreak, delayMs });
    },
  );

  it('follows the backoff it is given', () => {
    const backoff = { firstDelayMs: 100, maxDelayMs: 250, stableAfterMs: 1_000 };
    expect(nextRestart(0, 0, backoff)).toEqual({ streak: 1, delayMs: 100 });
    expect(nextRestart(1, 999, backoff)).toEqual({ streak: 2, delayMs: 200 });
    expect(nextRestart(2, 999, backoff)).toEqual({ streak: 3, delayMs: 250 });
    expect(nextRestart(2, 1_000, backoff)).toEqual({ streak: 1, delayMs: 100 });
  });
});
