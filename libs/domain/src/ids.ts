import { hash, randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

export type IdPrefix = 'evt' | 'sub' | 'dlv' | 'att' | 'ten' | 'key' | 'ses';

/**
 * Random bytes drawn a page at a time: an id takes 10 of them, and one call to the CSPRNG per id was
 * a visible part of what a busy service spends per message.
 */
const POOL_BYTES = 4096;
let pool = randomBytes(POOL_BYTES);
let taken = 0;

function tenRandomBytes(): Buffer {
  if (taken + 10 > POOL_BYTES) {
    pool = randomBytes(POOL_BYTES);
    taken = 0;
  }
  const bytes = pool.subarray(taken, taken + 10);
  taken += 10;
  return bytes;
}

/**
 * A prefixed, time-sortable id (ULID layout: 48-bit milliseconds, 80 random bits, Crockford base32),
 * so ids sort by creation time and cursor pagination can use them directly.
 */
export function newId(prefix: IdPrefix, now: number = Date.now()): string {
  return `${prefix}_${ulid(now)}`;
}

/**
 * An id laid out like `newId` whose last 80 bits come from `seed` instead of chance: the same time and
 * seed give the same id. An event that arrives without an id gets one from its Kafka record (topic,
 * partition, offset and timestamp), so handling the record again after a crash finds the event
 * stored the first time instead of creating a second one.
 */
export function stableId(prefix: IdPrefix, time: number, seed: string): string {
  // One-shot `hash`: no Hash object per event (a few per cent of event-ingest's CPU in a burst).
  return `${prefix}_${ulid(time, hash('sha256', seed, 'buffer').subarray(0, 10))}`;
}

export function ulid(now: number = Date.now(), random: Buffer = tenRandomBytes()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  let bits = 0;
  let value = 0;
  let rest = '';
  for (const byte of random) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      rest += CROCKFORD[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return time + rest;
}
