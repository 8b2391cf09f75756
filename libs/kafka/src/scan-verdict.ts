import type { LaneProgress } from './lanes';

/** What a scanned partition does with a key's next message (see `ConsumerRunner`). */
export type ScanVerdict = 'take' | 'leave' | 'wait';

/**
 * While a partition held back for want of room is scanned, whether a key's next message is taken
 * (from the reserve beyond the full budget), left in Kafka with the key's later ones, or waited for:
 * - a key with less than `lightLoad` unfinished is taken: little is lost if it turns out slow;
 * - a key that keeps up — it finished a message within `behindAfterMs`, and nothing of it has waited
 *   that long to start — is taken, however much it has unfinished (a fast endpoint's burst);
 * - a key busy for `behindAfterMs` without keeping up is behind: left (a slow or failing endpoint);
 * - a key busy for less, that has finished nothing yet, is not known yet: the partition waits for it
 *   to finish a message or to be busy that long, whichever comes first. Taken at once, a slow key new
 *   to the partition could spend the reserve on itself; left at once, a fast one would wait, with
 *   the slow ones, until the partition had room.
 */
export function scanVerdict(
  load: number,
  progress: LaneProgress | null,
  now: number,
  lightLoad: number,
  behindAfterMs: number,
): ScanVerdict {
  if (load < lightLoad || progress === null) return 'take';
  const { since, finishedAt, waitingSince } = progress;
  const keepsUp =
    finishedAt !== null &&
    now - finishedAt < behindAfterMs &&
    (waitingSince === null || now - waitingSince < behindAfterMs);
  if (keepsUp) return 'take';
  return now - since >= behindAfterMs ? 'leave' : 'wait';
}
