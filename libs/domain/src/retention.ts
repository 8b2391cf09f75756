const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';
const PREFIXED_ULID = /^[a-z]{3}_([0-9a-hjkmnp-tv-z]{10})[0-9a-hjkmnp-tv-z]{16}$/;

/** When an id made by `newId` or `stableId` was made (ms since the epoch); null for any other id. */
export function timeOfId(id: string): number | null {
  const match = PREFIXED_ULID.exec(id);
  if (!match) return null;
  let time = 0;
  for (const char of match[1]) time = time * 32 + CROCKFORD.indexOf(char);
  return time;
}

/** The first instant still kept by a retention: history from before it is purged. */
export function retentionCutoff(now: number, retentionMs: number): Date {
  return new Date(now - retentionMs);
}

/**
 * Whether a record with this id, looked up and not found, was made before the retention cutoff —
 * so it is gone because it expired (or never was), not because the id is wrong. Producer ids that
 * are not Herald ids carry no time and are never called expired.
 */
export function isPastRetention(id: string, cutoff: Date): boolean {
  const time = timeOfId(id);
  return time !== null && time < cutoff.getTime();
}
