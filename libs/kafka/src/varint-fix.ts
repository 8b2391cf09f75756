/**
 * kafkajs 2.2.4 (its last release) encodes and decodes the variable-length integers of every record
 * wastefully: `writeUVarInt` collects the bytes in an array and copies them in through a new Buffer,
 * and the 64-bit ones (a record's timestamp delta) go through its BigInt-backed `Long`, a handful of
 * BigInts and wrappers per byte, written and read. Per message that was a few kilobytes of garbage
 * in event-ingest (which produces and consumes) and the deliverer (which consumes).
 *
 * Herald replaces those methods on kafkajs's Encoder and Decoder, before any client connects, with
 * ones that write the bytes in place and do the 64-bit arithmetic in plain numbers whenever the
 * value fits in 52 bits (Kafka's timestamp and offset deltas always do); anything larger still takes
 * kafkajs's own path. The bytes are the same; the spec checks them against kafkajs's.
 */

interface KafkaJsLong {
  value: bigint;
}

interface LongClass {
  fromNumber(value: number): KafkaJsLong;
  isLong(value: unknown): boolean;
}

interface EncoderInstance {
  buf: Buffer;
  offset: number;
  ensureAvailable(length: number): void;
  writeUVarInt: (this: EncoderInstance, value: number) => EncoderInstance;
  writeVarLong: (this: EncoderInstance, value: number | KafkaJsLong) => EncoderInstance;
}

interface EncoderClass {
  prototype: EncoderInstance;
  sizeOfVarLong: (this: void, value: number | KafkaJsLong) => number;
}

interface DecoderInstance {
  buffer: Buffer;
  offset: number;
  readVarLong: (this: DecoderInstance) => KafkaJsLong;
}

interface DecoderClass {
  prototype: DecoderInstance;
}

// kafkajs ships no types for its internals; the paths are part of its published package.
/* eslint-disable @typescript-eslint/no-require-imports */
export const Encoder = require('kafkajs/src/protocol/encoder') as EncoderClass;
export const Decoder = require('kafkajs/src/protocol/decoder') as DecoderClass;
const Long = require('kafkajs/src/utils/long') as LongClass;
/* eslint-enable @typescript-eslint/no-require-imports */

/** Largest magnitude handled in numbers: its zigzag form (twice it) stays a safe integer. */
const NUMBER_LIMIT = 2 ** 52;

/** kafkajs's own implementations, for what the fast paths leave to them. */
export const kafkajs = {
  writeUVarInt: Encoder.prototype.writeUVarInt,
  writeVarLong: Encoder.prototype.writeVarLong,
  // Static, and kafkajs's names its class rather than `this`.
  sizeOfVarLong: Encoder.sizeOfVarLong,
  readVarLong: Decoder.prototype.readVarLong,
};

/** The value as a plain number when it is small enough for the fast path, else null. */
function small(value: number | KafkaJsLong): number | null {
  const n = typeof value === 'number' ? value : Long.isLong(value) ? Number(value.value) : NaN;
  return Number.isSafeInteger(n) && Math.abs(n) < NUMBER_LIMIT ? n : null;
}

const zigzag = (n: number): number => (n >= 0 ? n * 2 : -n * 2 - 1);

function writeUVarInt(this: EncoderInstance, value: number): EncoderInstance {
  this.ensureAvailable(5);
  const buf = this.buf;
  let offset = this.offset;
  // As kafkajs: an unsigned 32-bit value, seven bits a byte, low bits first.
  while ((value & 0xffffff80) !== 0) {
    buf[offset++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  buf[offset++] = value & 0x7f;
  this.offset = offset;
  return this;
}

function writeVarLong(this: EncoderInstance, value: number | KafkaJsLong): EncoderInstance {
  const n = small(value);
  if (n === null) return kafkajs.writeVarLong.call(this, value);
  let z = zigzag(n);
  this.ensureAvailable(8);
  const buf = this.buf;
  let offset = this.offset;
  while (z >= 0x80) {
    buf[offset++] = (z % 0x80) | 0x80;
    z = Math.floor(z / 0x80);
  }
  buf[offset++] = z;
  this.offset = offset;
  return this;
}

function sizeOfVarLong(value: number | KafkaJsLong): number {
  const n = small(value);
  if (n === null) return kafkajs.sizeOfVarLong(value);
  let z = zigzag(n);
  let bytes = 1;
  while (z >= 0x80) {
    bytes += 1;
    z = Math.floor(z / 0x80);
  }
  return bytes;
}

function readVarLong(this: DecoderInstance): KafkaJsLong {
  // Up to seven bytes (49 bits) are read in numbers; a longer one is read again by kafkajs.
  const start = this.offset;
  const buffer = this.buffer;
  let z = 0;
  let scale = 1;
  for (let i = 0; i < 7; i++) {
    const byte = buffer[start + i];
    if (byte === undefined) break;
    z += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      this.offset = start + i + 1;
      return Long.fromNumber(z % 2 === 0 ? z / 2 : -(z + 1) / 2);
    }
    scale *= 0x80;
  }
  return kafkajs.readVarLong.call(this);
}

Encoder.prototype.writeUVarInt = writeUVarInt;
Encoder.prototype.writeVarLong = writeVarLong;
Encoder.sizeOfVarLong = sizeOfVarLong;
Decoder.prototype.readVarLong = readVarLong;
