/** A server the API cannot answer without; while it is away, requests answer 503 `unavailable`. */
export type Dependency = 'postgres' | 'kafka';

/** Socket errors of a server that cannot be reached, or that went away mid-request. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** node-postgres and pg-pool say these in words only, without a code. */
const POSTGRES_CONNECTION_MESSAGES = [
  /^Connection terminated/, // unexpectedly, or due to connection timeout
  /^timeout exceeded when trying to connect$/, // no pool client within connectionTimeoutMillis
  /^Client has encountered a connection error and is not queryable$/,
  /^Client was closed and is not queryable$/,
  /^Cannot use a pool after calling end on the pool$/, // the service is shutting down
];

/**
 * SQLSTATEs of a server that cannot serve now: class 08 (connection exception), class 53
 * (insufficient resources: 53300 too many connections, 53100 disk full, …), and 57P01–57P03
 * (admin shutdown, crash shutdown, cannot connect now — starting up or in recovery).
 */
const isUnavailableSqlState = (code: string): boolean =>
  /^(08|53)[0-9A-Z]{3}$/.test(code) || ['57P01', '57P02', '57P03'].includes(code);

/** kafkajs errors that mean no broker could be reached, or none answered in time. */
const KAFKA_UNREACHABLE = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSLockTimeout',
]);

/** Broker answers that mean the cluster cannot take the write now (kafkajs retries them, then gives up). */
const KAFKA_UNAVAILABLE_TYPES = new Set([
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_FOR_PARTITION',
  'BROKER_NOT_AVAILABLE',
  'REPLICA_NOT_AVAILABLE',
  'NOT_ENOUGH_REPLICAS',
  'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
  'REQUEST_TIMED_OUT',
  'NETWORK_EXCEPTION',
  'KAFKA_STORAGE_ERROR',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
]);

type ErrorLike = {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  type?: unknown;
  cause?: unknown;
  driverError?: unknown;
  errors?: unknown;
};

/** Guards against cause cycles; real chains are two or three links long. */
const MAX_DEPTH = 5;

/**
 * Which dependency an error says is unreachable or shutting down, or null when it says something
 * else (a bug, a constraint, a bad query) and stays a 500. The API talks to two servers only:
 * PostgreSQL through TypeORM and node-postgres, Kafka through kafkajs. So a network failure inside
 * a kafkajs error is Kafka's, and any other is PostgreSQL's — node-postgres throws the socket's
 * own error when a connection cannot be made.
 *
 * TypeORM wraps a failed query in QueryFailedError with the driver's error as `driverError` (and
 * copies its `code`); kafkajs wraps the last failure in KafkaJSNumberOfRetriesExceeded or
 * KafkaJSNonRetriableError as `cause`; Node's multi-address connect throws an AggregateError with
 * one error per address in `errors`. The chain is followed through all three.
 */
export function unavailableDependency(error: unknown): Dependency | null {
  return classify(error, 'postgres', 0);
}

function classify(error: unknown, owner: Dependency, depth: number): Dependency | null {
  if (depth > MAX_DEPTH || typeof error !== 'object' || error === null) return null;
  const candidate = error as ErrorLike;
  const name = typeof candidate.name === 'string' ? candidate.name : '';
  const message = typeof candidate.message === 'string' ? candidate.message : '';
  const code = typeof candidate.code === 'string' ? candidate.code : '';
  const inKafka = owner === 'kafka' || name.startsWith('KafkaJS');
  const here: Dependency = inKafka ? 'kafka' : owner;

  if (NETWORK_CODES.has(code)) return here;
  if (inKafka) {
    if (KAFKA_UNREACHABLE.has(name)) return 'kafka';
    if (typeof candidate.type === 'string' && KAFKA_UNAVAILABLE_TYPES.has(candidate.type)) {
      return 'kafka';
    }
  } else {
    if (isUnavailableSqlState(code)) return 'postgres';
    if (POSTGRES_CONNECTION_MESSAGES.some((pattern) => pattern.test(message))) return 'postgres';
  }

  const inner = [
    candidate.driverError,
    candidate.cause,
    ...(Array.isArray(candidate.errors) ? (candidate.errors as unknown[]) : []),
  ];
  for (const next of inner) {
    if (next === error) continue;
    const found = classify(next, here, depth + 1);
    if (found) return found;
  }
  return null;
}
