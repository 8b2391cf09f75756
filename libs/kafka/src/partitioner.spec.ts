import { randomBytes } from 'node:crypto';
import { Partitioners, type PartitionerArgs, type PartitionMetadata } from 'kafkajs';
import { HeraldPartitioner, murmur2 } from './partitioner';

// kafkajs's own hash, the reference: the Java client's, which Kafka's docs and every client share.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2') as (
  key: Buffer | string,
) => number;

const metadata = (count: number, leaderless: number[] = []): PartitionMetadata[] =>
  Array.from({ length: count }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: leaderless.includes(partitionId) ? -1 : 0,
    replicas: [0],
    isr: [0],
  }));

describe('HeraldPartitioner', () => {
  it("hashes every key length and byte as Kafka's murmur2 does", () => {
    for (let length = 0; length < 70; length += 1) {
      for (let round = 0; round < 20; round += 1) {
        const key = randomBytes(length);
        expect(murmur2(key)).toBe(kafkajsMurmur2(key));
      }
    }
    // Known values of the Java client (Kafka's UtilsTest).
    expect(murmur2(Buffer.from('21'))).toBe(-973932308);
    expect(murmur2(Buffer.from('foobar'))).toBe(-790332482);
  });

  it("puts each key on the partition kafkajs's DefaultPartitioner does: ids, unicode, buffers, long keys", () => {
    const ours = HeraldPartitioner();
    const theirs = Partitioners.DefaultPartitioner();
    const keys: (string | Buffer)[] = [
      'ten_01hz8x4k2m3n4p5q6r7s8t9v0w',
      'sub_01hz8x4k2m3n4p5q6r7s8t9v0w',
      '',
      'a',
      'zählerstand ⚡ 電力',
      'x'.repeat(300),
      randomBytes(40),
    ];
    for (let i = 0; i < 500; i += 1) keys.push(`sub_${randomBytes(13).toString('hex')}`);
    for (const partitions of [1, 3, 12, 24]) {
      for (const key of keys) {
        const args: PartitionerArgs = {
          topic: 'herald.deliveries',
          partitionMetadata: metadata(partitions),
          message: { key, value: null },
        };
        expect(ours(args)).toBe(theirs(args));
      }
    }
  });

  it("keeps a message's own partition, and spreads keyless messages over partitions with a leader", () => {
    const partition = HeraldPartitioner();
    expect(
      partition({
        topic: 't',
        partitionMetadata: metadata(6),
        message: { key: 'k', value: null, partition: 4 },
      }),
    ).toBe(4);
    const chosen = new Set<number>();
    for (let i = 0; i < 30; i += 1) {
      chosen.add(
        partition({ topic: 't', partitionMetadata: metadata(6, [1, 3]), message: { value: null } }),
      );
    }
    expect([...chosen].sort()).toEqual([0, 2, 4, 5]);
  });
});
