import { replaceModule } from './module-replacement';

/**
 * kafkajs 2.2.4 (its last release) sorts a send's messages into partitions by copying the whole
 * partition's list for every message (`[...current, message]` in a `reduce`): quadratic in the
 * messages a send holds for one partition. A coalesced produce of a busy subscription's deliveries,
 * all keyed to one partition, is exactly that case: 1,000 messages copy half a million array slots,
 * and in the benchmark it was 11 % of everything event-ingest allocated (kafkajs PR #1576 rewrote it;
 * never released).
 *
 * The module is a plain function that kafkajs's producer takes with `require` when it loads, so
 * Herald puts this linear one in its place in Node's module cache first: this file is imported before
 * `kafkajs` (kafka-client.ts and the package index do that). Same result, same order of messages
 * within a partition. The spec checks that kafkajs really uses it.
 */
export function groupMessagesPerPartition<M>({
  topic,
  partitionMetadata,
  messages,
  partitioner,
}: {
  topic: string;
  partitionMetadata: readonly unknown[];
  messages: readonly M[];
  partitioner: (args: {
    topic: string;
    partitionMetadata: readonly unknown[];
    message: M;
  }) => number;
}): Record<number, M[]> {
  const grouped: Record<number, M[]> = {};
  if (partitionMetadata.length === 0) return grouped;
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    (grouped[partition] ??= []).push(message);
  }
  return grouped;
}

/** Where kafkajs's producer requires it from (part of its published package). */
export const GROUPING_MODULE = require.resolve('kafkajs/src/producer/groupMessagesPerPartition');

replaceModule(GROUPING_MODULE, groupMessagesPerPartition);
