import { ensureAvailable, kafkajsEnsureAvailable } from './encoder-growth-fix';

type Enc = {
  buf: Buffer;
  offset: number;
  buffer: Buffer;
  ensureAvailable: (this: Enc, length: number) => void;
  writeInt8(value: number): Enc;
  writeInt32(value: number): Enc;
  writeString(value: string): Enc;
  writeBytes(value: Buffer): Enc;
  writeEncoder(value: Enc): Enc;
  writeVarIntString(value: string): Enc;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Encoder = require('kafkajs/src/protocol/encoder') as new (initialSize?: number) => Enc;

/** A request-like nesting: many small writes, a large raw block, and an encoder written into another. */
function build(): Buffer {
  const inner = new Encoder();
  for (let i = 0; i < 300; i++) inner.writeInt32(i).writeVarIntString(`record ${i} ✓`);
  inner.writeBytes(Buffer.alloc(70_000, 0xab));
  const outer = new Encoder(8);
  outer.writeInt8(2).writeString('herald.deliveries').writeEncoder(inner).writeInt32(-1);
  return outer.buffer;
}

describe("kafkajs's Encoder growth, as Herald has it", () => {
  it('is the one kafkajs encoders use', () => {
    expect(new Encoder().ensureAvailable).toBe(ensureAvailable);
    expect(kafkajsEnsureAvailable).not.toBe(ensureAvailable);
  });

  it('writes the same bytes as kafkajs, whatever was in the memory it grew into', () => {
    const ours = build();
    // Memory Node hands out unfilled afterwards may hold anything; make some of it look used.
    Buffer.allocUnsafe(1 << 20).fill(0x5a);
    const prototype = Object.getPrototypeOf(new Encoder()) as Enc;
    prototype.ensureAvailable = kafkajsEnsureAvailable;
    try {
      expect(build().equals(ours)).toBe(true);
    } finally {
      prototype.ensureAvailable = ensureAvailable;
    }
  });

  it('grows to the next power of two of what is needed, keeping what was written', () => {
    const encoder = new Encoder(4);
    encoder.writeInt32(0x01020304);
    encoder.ensureAvailable(5);
    expect(encoder.buf.length).toBe(16);
    expect(encoder.buffer).toEqual(Buffer.from([1, 2, 3, 4]));
    const before = encoder.buf;
    encoder.ensureAvailable(12);
    expect(encoder.buf).toBe(before);
  });
});
