/**
 * Fetch linger for busy consumers: while messages are flowing, a fetch waits a few milliseconds for
 * more to gather (`minBytes` high, `maxWaitTime` the linger) instead of returning with the one or two
 * that are there; once a fetch comes back empty, the next one returns as soon as anything arrives
 * (`minBytes` 1) and long-polls the consumer's usual idle wait.
 *
 * Why: at a moderate rate every stage fetched, stored and produced per one or two messages. At 300
 * events/s event-ingest and the matcher (then a service of its own) each made about 165 fetch and 165 produce requests a second,
 * and the broker — whose cost is per request, not per message — took half a core. Lingering while
 * busy turns that into a few requests per linger, and costs a quiet stream nothing: the first message
 * after a pause is fetched at once, as before.
 *
 * kafkajs reads `minBytes` and `maxWaitTime` from its consumer group on every fetch but offers no way
 * to change them after `consumer()`; this wraps `ConsumerGroup.prototype.fetch` (kafkajs 2.2.4, its
 * last release) once per process to set them before each fetch, for the groups that asked.
 */
import { createRequire } from 'node:module';

export interface FetchLinger {
  /** How long a fetch waits for more while messages are flowing. */
  lingerMs: number;
  /** A fetch returns before the linger once this much has gathered. */
  minBytes: number;
  /** The long poll while nothing flows (the consumer's `maxWaitTimeInMs`). */
  idleWaitMs: number;
}

interface KafkaJsBatch {
  isEmpty(): boolean;
}

interface KafkaJsConsumerGroup {
  groupId: string;
  minBytes: number;
  maxWaitTime: number;
  fetch: (this: KafkaJsConsumerGroup, nodeId: number) => Promise<KafkaJsBatch[]>;
}

type ConsumerGroupClass = { prototype: KafkaJsConsumerGroup };

const lingers = new Map<string, FetchLinger>();
const flowing = Symbol('herald.fetch-linger.flowing');
let installed = false;

/**
 * Fetches of consumers of `groupId` in this process linger while busy. Call before the consumer runs;
 * `null` restores kafkajs's own behaviour for the group.
 */
export function setFetchLinger(groupId: string, linger: FetchLinger | null): void {
  if (linger === null) {
    lingers.delete(groupId);
    return;
  }
  install();
  lingers.set(groupId, linger);
}

/** The fetch settings for the next fetch: lingering after one that brought messages. */
export function fetchSettings(
  linger: FetchLinger,
  lastBroughtMessages: boolean,
): { minBytes: number; maxWaitTime: number } {
  return lastBroughtMessages
    ? { minBytes: linger.minBytes, maxWaitTime: linger.lingerMs }
    : { minBytes: 1, maxWaitTime: linger.idleWaitMs };
}

function install(): void {
  if (installed) return;
  const ConsumerGroup = consumerGroupClass();
  const fetch = ConsumerGroup.prototype.fetch;
  ConsumerGroup.prototype.fetch = async function lingeringFetch(
    this: KafkaJsConsumerGroup & { [flowing]?: boolean },
    nodeId: number,
  ): Promise<KafkaJsBatch[]> {
    const linger = lingers.get(this.groupId);
    if (!linger) return fetch.call(this, nodeId);
    const settings = fetchSettings(linger, this[flowing] === true);
    this.minBytes = settings.minBytes;
    this.maxWaitTime = settings.maxWaitTime;
    const batches = await fetch.call(this, nodeId);
    this[flowing] = batches.some((batch) => !batch.isEmpty());
    return batches;
  };
  installed = true;
}

function consumerGroupClass(): ConsumerGroupClass {
  const require = createRequire(__filename);
  const ConsumerGroup = require('kafkajs/src/consumer/consumerGroup') as ConsumerGroupClass;
  const prototype = ConsumerGroup?.prototype as Partial<KafkaJsConsumerGroup> | undefined;
  if (typeof prototype?.fetch !== 'function') {
    throw new Error(
      'kafkajs ConsumerGroup.prototype.fetch not found: fetch linger needs kafkajs 2.2',
    );
  }
  return ConsumerGroup;
}
