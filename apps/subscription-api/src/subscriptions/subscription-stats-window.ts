import type { StatsRange } from '@herald/persistence';

export const STATS_WINDOWS = ['1h', '24h', '7d', '30d'] as const;
export type StatsWindow = (typeof STATS_WINDOWS)[number];

/** Each window's bucket: about 12 to 30 bars, whatever the window. */
const BUCKET_SECONDS: Record<StatsWindow, { window: number; bucket: number }> = {
  '1h': { window: 3_600, bucket: 300 },
  '24h': { window: 86_400, bucket: 3_600 },
  '7d': { window: 7 * 86_400, bucket: 6 * 3_600 },
  '30d': { window: 30 * 86_400, bucket: 86_400 },
};

/**
 * The buckets of a window ending now: whole buckets aligned on the Unix epoch (so a day is a UTC
 * day), the last one the bucket now is in, `window / bucket` of them.
 */
export function statsRange(window: StatsWindow, now: Date): StatsRange {
  const { window: windowSeconds, bucket } = BUCKET_SECONDS[window];
  const bucketMs = bucket * 1000;
  const current = Math.floor(now.getTime() / bucketMs) * bucketMs;
  const count = windowSeconds / bucket;
  return {
    since: new Date(current - (count - 1) * bucketMs),
    until: new Date(current + bucketMs),
    bucketSeconds: bucket,
  };
}
