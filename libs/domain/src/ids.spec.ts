import { randomBytes } from 'node:crypto';
import { newId, stableId, ulid } from './ids';

describe('ids', () => {
  it('are prefixed, 26 base32 characters, and sort by time', () => {
    const first = newId('evt', 1_700_000_000_000);
    const later = newId('evt', 1_700_000_000_001);
    expect(first).toMatch(/^evt_[0-9a-z]{26}$/);
    expect(first < later).toBe(true);
    expect(newId('evt', 1_700_000_000_000)).not.toBe(first);
  });

  it('from a seed are the same each time, differ by seed, and still sort by time', () => {
    const id = stableId('evt', 1_700_000_000_000, 'herald.events.inbound/3/1200');
    expect(id).toMatch(/^evt_[0-9a-z]{26}$/);
    // Pinned: a record handled again after an upgrade must find the event stored before it.
    expect(id).toBe('evt_01hf7yat005v44201wmb4z8t3j');
    expect(stableId('evt', 1_700_000_000_000, 'herald.events.inbound/3/1200')).toBe(id);
    expect(stableId('evt', 1_700_000_000_000, 'herald.events.inbound/3/1201')).not.toBe(id);
    expect(id < stableId('evt', 1_700_000_000_001, 'herald.events.inbound/0/0')).toBe(true);
  });

  it('write the time and the random bits in Crockford base32, most significant first', () => {
    // The layout written out a bit at a time, as a reference.
    const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
    const reference = (now: number, random: Buffer): string => {
      let time = '';
      for (let i = 0, t = now; i < 10; i++, t = Math.floor(t / 32)) time = alphabet[t % 32] + time;
      const bits = [...random.subarray(0, 10)].map((b) => b.toString(2).padStart(8, '0')).join('');
      let rest = '';
      for (let i = 0; i < 80; i += 5) rest += alphabet[parseInt(bits.slice(i, i + 5), 2)];
      return time + rest;
    };
    const times = [0, 1, 31, 32, 1_700_000_000_000, 1_767_225_600_123, 2 ** 48 - 1];
    for (const now of times) {
      for (let i = 0; i < 200; i++) {
        const random = randomBytes(10);
        expect(ulid(now, random)).toBe(reference(now, random));
      }
      expect(ulid(now, Buffer.alloc(10))).toBe(reference(now, Buffer.alloc(10)));
      expect(ulid(now, Buffer.alloc(10, 0xff))).toBe(reference(now, Buffer.alloc(10, 0xff)));
    }
    // The same millisecond twice, then another: the time part is not stale.
    expect(ulid(5, Buffer.alloc(10)).slice(0, 10)).toBe('0000000005');
    expect(ulid(6, Buffer.alloc(10)).slice(0, 10)).toBe('0000000006');
  });
});
