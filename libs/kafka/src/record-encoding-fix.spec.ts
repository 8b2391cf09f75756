import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterKafkajsLoads } from '@herald/testing';
import { CRC32C_MODULE, RECORD_MODULE, crc32c, encodeRecord } from './record-encoding-fix';

/** kafkajs's own modules: Jest keeps a registry of its own, which the fix does not touch. */
type KafkaJsRecord = (input: object) => { buffer: Buffer };
const kafkajsRecord = jest.requireActual<KafkaJsRecord>(
  'kafkajs/src/protocol/recordBatch/record/v0',
);
const kafkajsCrc32c = jest.requireActual<(bytes: Buffer) => number>(
  'kafkajs/src/protocol/recordBatch/crc32C',
);

const RECORDS: [string, object][] = [
  ['an empty record', {}],
  ['a string key and value', { key: 'ten_1', value: '{"a":1}' }],
  ['Buffers', { key: Buffer.from('k'), value: Buffer.from([0, 1, 2, 255]) }],
  ['a null key and value', { key: null, value: null }],
  ['text beyond ASCII', { key: 'clé', value: 'ünïcödé ☃ 😀'.repeat(20) }],
  ['a value past the first encoder size', { key: 'k', value: 'x'.repeat(5_000) }],
  ['a large value', { value: randomBytes(200_000) }],
  ['offset and timestamp deltas', { offsetDelta: 300, timestampDelta: 70_000, value: 'v' }],
  [
    'deltas past 32 bits',
    { offsetDelta: 2_147_483_647, timestampDelta: 1_700_000_000_000, value: 'v' },
  ],
  [
    'headers',
    {
      key: 'k',
      value: 'v',
      headers: {
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        'herald-origin': Buffer.from('herald'),
        empty: '',
        'not-before': String(Date.now()),
      },
    },
  ],
  [
    'a header with several values',
    { value: 'v', headers: { multi: ['a', 'bb', Buffer.from('c')] } },
  ],
  ['a header name beyond ASCII', { value: 'v', headers: { 'naïve-ñame': 'välue' } }],
];

describe("kafkajs's record encoding and batch checksum, as Herald replaces them", () => {
  it('is the kafkajs version the fix was written against, which requires the modules by those paths', () => {
    const manifest = JSON.parse(readFileSync(require.resolve('kafkajs/package.json'), 'utf8')) as {
      version: string;
    };
    expect(manifest.version).toBe('2.2.4');
    const produce = readFileSync(
      require.resolve('kafkajs/src/protocol/requests/produce/v3/request'),
      'utf8',
    );
    expect(produce).toContain("require('../../../recordBatch/record/v0')");
    const batch = readFileSync(require.resolve('kafkajs/src/protocol/recordBatch/v0'), 'utf8');
    expect(batch).toContain("require('../crc32C')");
  });

  it('is what kafkajs loads once Herald is imported first (plain Node: Jest keeps its own module registry)', () => {
    expect(
      afterKafkajsLoads(
        join(__dirname, 'record-encoding-fix.ts'),
        '[require(fix.RECORD_MODULE) === fix.encodeRecord, require(fix.CRC32C_MODULE) === fix.crc32c]',
      ),
    ).toEqual([true, true]);
    expect([RECORD_MODULE, CRC32C_MODULE].every((path) => path.includes('kafkajs'))).toBe(true);
  });

  it.each(RECORDS)('encodes %s as kafkajs does, byte for byte', (_name, input) => {
    const ours = encodeRecord(input);
    expect(ours.buffer.equals(kafkajsRecord(input).buffer)).toBe(true);
    expect(ours.size()).toBe(ours.buffer.length);
    expect(Buffer.isBuffer(ours.buf)).toBe(true);
  });

  it('writes a number as its text (kafkajs throws on one)', () => {
    expect(
      encodeRecord({ key: 'n', value: 42 }).buffer.equals(
        kafkajsRecord({ key: 'n', value: '42' }).buffer,
      ),
    ).toBe(true);
  });

  it('writes a null header value as length -1 (kafkajs throws on one)', () => {
    const withNull = encodeRecord({ value: 'v', headers: { gone: null } });
    const withEmpty = encodeRecord({ value: 'v', headers: { gone: '' } });
    // Same size: the length -1 and the length 0 are one byte each (zigzag 1 and 0).
    expect(withNull.buffer.length).toBe(withEmpty.buffer.length);
    expect(withNull.buffer.at(-1)).toBe(0x01);
    expect(withEmpty.buffer.at(-1)).toBe(0x00);
  });

  it('checksums as kafkajs does, including the standard check value', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    for (const length of [0, 1, 7, 8, 15, 16, 17, 63, 64, 65, 1_000, 100_003]) {
      const bytes = randomBytes(length);
      expect(crc32c(bytes)).toBe(kafkajsCrc32c(bytes));
    }
  });

  it("makes the same produce request as kafkajs's own modules", async () => {
    const request = (modules: { record: unknown; crc: unknown }) => {
      let encode: () => Promise<{ buffer: Buffer }> = () => Promise.reject(new Error('not loaded'));
      jest.isolateModules(() => {
        jest.doMock('kafkajs/src/protocol/recordBatch/record/v0', () => modules.record);
        jest.doMock('kafkajs/src/protocol/recordBatch/crc32C', () => modules.crc);
        const produce = jest.requireActual<
          (args: object) => { encode: () => Promise<{ buffer: Buffer }> }
        >('kafkajs/src/protocol/requests/produce/v3/request');
        const messages = RECORDS.filter(([name]) => !name.includes('large')).map(
          ([, input], index) => ({ ...input, timestamp: 1_700_000_000_000 + index }),
        );
        encode = produce({
          acks: -1,
          timeout: 30_000,
          topicData: [
            {
              topic: 'herald.deliveries',
              partitions: [{ partition: 3, firstSequence: 7, messages }],
            },
          ],
        }).encode;
      });
      return encode();
    };
    const ours = await request({ record: encodeRecord, crc: crc32c });
    const theirs = await request({ record: kafkajsRecord, crc: kafkajsCrc32c });
    expect(ours.buffer.equals(theirs.buffer)).toBe(true);
    expect(ours.buffer.length).toBeGreaterThan(5_000);
  });
});
