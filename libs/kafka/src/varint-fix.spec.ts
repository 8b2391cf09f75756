import { readFileSync } from 'node:fs';
import { Decoder, Encoder, kafkajs } from './varint-fix';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const Long = require('kafkajs/src/utils/long') as {
  fromValue(value: number | string | bigint): { value: bigint };
};

type Enc = { buffer: Buffer } & Record<string, (...args: unknown[]) => unknown>;
const EncoderCtor = Encoder as unknown as new () => Enc;
const DecoderCtor = Decoder as unknown as new (buffer: Buffer) => {
  offset: number;
  readVarLong(): { value: bigint };
};

const written = (write: (encoder: Enc) => void): Buffer => {
  const encoder = new EncoderCtor();
  write(encoder);
  return encoder.buffer;
};

const longs = [
  0,
  1,
  -1,
  63,
  64,
  -64,
  -65,
  127,
  128,
  300,
  -300,
  2 ** 31 - 1,
  -(2 ** 31),
  2 ** 40 + 12345,
  -(2 ** 40) - 12345,
  2 ** 48,
  2 ** 52 - 1,
  -(2 ** 52 - 1),
  2 ** 53, // past the fast path: kafkajs's own
  -(2 ** 53),
  1_767_225_600_123, // a timestamp
];

describe("kafkajs's varints, as Herald writes and reads them", () => {
  it('is the kafkajs version the fix was written against (check the fix again on an upgrade)', () => {
    const manifest = JSON.parse(readFileSync(require.resolve('kafkajs/package.json'), 'utf8')) as {
      version: string;
    };
    expect(manifest.version).toBe('2.2.4');
  });

  it.each([
    0,
    1,
    127,
    128,
    255,
    16_383,
    16_384,
    2 ** 21,
    2 ** 28,
    2 ** 31 - 1,
    2 ** 32 - 1,
    -1,
    -128,
  ])('writes unsigned varint %d as kafkajs does', (value) => {
    expect(written((e) => e.writeUVarInt(value))).toEqual(
      written((e) => kafkajs.writeUVarInt.call(e as never, value)),
    );
  });

  it.each(longs)('writes, sizes and reads varlong %d as kafkajs does', (value) => {
    for (const given of [value, Long.fromValue(value)]) {
      const ours = written((e) => e.writeVarLong(given));
      const theirs = written((e) => kafkajs.writeVarLong.call(e as never, given as never));
      expect(ours).toEqual(theirs);
      expect(Encoder.sizeOfVarLong(given as never)).toBe(theirs.length);
      expect(Encoder.sizeOfVarLong(given as never)).toBe(kafkajs.sizeOfVarLong(given as never));
    }
    const bytes = written((e) => kafkajs.writeVarLong.call(e as never, value));
    const followed = Buffer.concat([bytes, Buffer.from([0x2a])]);
    const ours = new DecoderCtor(followed);
    const theirs = new DecoderCtor(followed);
    expect(ours.readVarLong().value).toBe(BigInt(value));
    expect(kafkajs.readVarLong.call(theirs as never).value).toBe(BigInt(value));
    expect(ours.offset).toBe(bytes.length);
    expect(theirs.offset).toBe(bytes.length);
  });

  it('reads 64-bit extremes through kafkajs', () => {
    for (const text of ['9223372036854775807', '-9223372036854775808']) {
      const bytes = written((e) => e.writeVarLong(Long.fromValue(text)));
      expect(new DecoderCtor(bytes).readVarLong().value).toBe(BigInt(text));
    }
  });
});
