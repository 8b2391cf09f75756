import { randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

export type IdPrefix = 'evt' | 'sub' | 'dlv' | 'att' | 'ten' | 'key';

/**
 * A prefixed, time-sortable id (ULID layout: 48-bit milliseconds, 80 random bits, Crockford base32),
 * so ids sort by creation time and cursor pagination can use them directly.
 */
export function newId(prefix: IdPrefix, now: number = Date.now()): string {
  return `${prefix}_${ulid(now)}`;
}

export function ulid(now: number = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const random = randomBytes(10);
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
