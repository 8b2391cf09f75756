import { randomInt } from 'node:crypto';
import type { ICustomPartitioner, PartitionerArgs } from 'kafkajs';

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/**
 * Kafka's murmur2 (the Java client's `Utils.murmur2`, which every Kafka client's default
 * partitioner uses), in 32-bit integer arithmetic: the same hash as kafkajs's, which computes it
 * with a 64-bit Long object per step (a hundred allocations for a 30-byte key).
 */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const rest = length & 3;
  if (rest > 0) {
    if (rest === 3) h ^= data[whole + 2] << 16;
    if (rest >= 2) h ^= data[whole + 1] << 8;
    h ^= data[whole];
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h;
}

/** Room for the bytes of a key, reused: Herald's keys are short ASCII ids. */
const scratch = new Uint8Array(256);

/** A key's UTF-8 bytes; an ASCII string of up to 256 characters is written into `scratch`. */
function keyBytes(key: Buffer | string): Uint8Array {
  if (typeof key !== 'string') return key;
  if (key.length > scratch.length) return Buffer.from(key);
  for (let i = 0; i < key.length; i += 1) {
    const code = key.charCodeAt(i);
    if (code > 0x7f) return Buffer.from(key);
    scratch[i] = code;
  }
  return scratch.subarray(0, key.length);
}

/**
 * Kafka's default partitioning, as kafkajs's `DefaultPartitioner` does it — a message's own
 * partition, else murmur2 of its key modulo the topic's partitions (so a key lands where any Kafka
 * client puts it, and where earlier Herald versions did), else round-robin over the partitions with
 * a leader — without its per-message costs: the Long-object hash, a copy of the key as a Buffer and
 * a filtered copy of the topic's partition list.
 */
export const HeraldPartitioner: ICustomPartitioner = () => {
  const counters = new Map<string, number>();
  return ({ topic, partitionMetadata, message }: PartitionerArgs): number => {
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    const partitions = partitionMetadata.length;
    if (message.key !== null && message.key !== undefined) {
      return (murmur2(keyBytes(message.key)) & 0x7fffffff) % partitions;
    }
    const next = (counters.get(topic) ?? randomInt(2 ** 31)) + 1;
    counters.set(topic, next);
    const available = partitionMetadata.filter((partition) => partition.leader >= 0);
    if (available.length === 0) return (next & 0x7fffffff) % partitions;
    return available[(next & 0x7fffffff) % available.length].partitionId;
  };
};
