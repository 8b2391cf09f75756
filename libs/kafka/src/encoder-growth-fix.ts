/**
 * How kafkajs 2.2.4's Encoder grows, replaced: it doubled into a zero-filled Buffer (`Buffer.alloc`)
 * and copied what it had written. A produce request is built by Encoders nested three deep (records
 * in a batch, the batch in its partition, the partition in the request), each growing to the size
 * of what it holds, so a batch of 2,500 delivery messages (fan-out 10, 2.5 MB) zero-filled about
 * three times its size in buffers that were then overwritten. In event-ingest's CPU profile of the
 * fan-out benchmark, that filling was 6 % of its busy time.
 *
 * The growth here is the same (the next power of two), into `Buffer.allocUnsafe`: nothing reads an
 * Encoder past what it wrote (its `buffer` is the written part; every write lands before `offset`
 * moves past it), so the fill was never needed. The spec checks the bytes against kafkajs's own
 * encoder and that kafkajs's Encoder uses this.
 */

interface GrowingEncoder {
  buf: Buffer;
  offset: number;
}

interface EncoderClass {
  prototype: GrowingEncoder & { ensureAvailable: (this: GrowingEncoder, length: number) => void };
  nextPowerOfTwo(value: number): number;
}

// kafkajs ships no types for its internals; the path is part of its published package.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Encoder = require('kafkajs/src/protocol/encoder') as EncoderClass;

/** kafkajs's own, for the spec to compare with. */
export const kafkajsEnsureAvailable = Encoder.prototype.ensureAvailable;

/** Makes room for `length` more bytes: the next power of two of what is needed, unfilled. */
export function ensureAvailable(this: GrowingEncoder, length: number): void {
  const needed = this.offset + length;
  if (needed <= this.buf.length) return;
  const grown = Buffer.allocUnsafe(Encoder.nextPowerOfTwo(needed));
  this.buf.copy(grown, 0, 0, this.offset);
  this.buf = grown;
}

Encoder.prototype.ensureAvailable = ensureAvailable;
