import { statsRange, STATS_WINDOWS } from './subscription-stats-window';

describe('statsRange', () => {
  const now = new Date('2026-05-02T12:31:26.257Z');

  it.each([
    ['1h', 300, '2026-05-02T11:35:00.000Z', '2026-05-02T12:35:00.000Z', 12],
    ['24h', 3_600, '2026-05-01T13:00:00.000Z', '2026-05-02T13:00:00.000Z', 24],
    ['7d', 21_600, '2026-04-25T18:00:00.000Z', '2026-05-02T18:00:00.000Z', 28],
    ['30d', 86_400, '2026-04-03T00:00:00.000Z', '2026-05-03T00:00:00.000Z', 30],
  ] as const)('%s: buckets of %is from %s to %s, %i of them', (window, bucket, since, until, n) => {
    const range = statsRange(window, now);
    expect(range).toEqual({
      since: new Date(since),
      until: new Date(until),
      bucketSeconds: bucket,
    });
    expect((range.until.getTime() - range.since.getTime()) / 1000 / bucket).toBe(n);
  });

  it.each(STATS_WINDOWS)('%s: now is inside the last bucket', (window) => {
    const range = statsRange(window, now);
    expect(range.until.getTime()).toBeGreaterThan(now.getTime());
    expect(range.until.getTime() - range.bucketSeconds * 1000).toBeLessThanOrEqual(now.getTime());
  });
});
