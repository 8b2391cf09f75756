import {
  KafkaJSBrokerNotFound,
  KafkaJSConnectionError,
  KafkaJSError,
  KafkaJSLockTimeout,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
} from 'kafkajs';
import { DatabaseError } from 'pg';
import { QueryFailedError } from 'typeorm';
import { unavailableDependency, type Dependency } from './unavailable-dependency';

/** A socket error as Node raises it when a connection cannot be made or breaks. */
function socketError(code: string, syscall = 'connect'): Error {
  return Object.assign(new Error(`${syscall} ${code} 127.0.0.1:5432`), {
    code,
    syscall,
    address: '127.0.0.1',
    port: 5432,
  });
}

/** An error the server sent, as node-postgres raises it. */
function serverError(code: string, message: string): DatabaseError {
  const error = new DatabaseError(message, message.length, 'error');
  error.code = code;
  error.severity = 'FATAL';
  return error;
}

/** A failed query as TypeORM throws it. */
const queryFailed = (driverError: Error): QueryFailedError =>
  new QueryFailedError('SELECT 1', [], driverError);

/** A broker's error answer, as kafkajs raises it. */
const brokerAnswer = (type: string, code: number, retriable: boolean): KafkaJSProtocolError =>
  new KafkaJSProtocolError(Object.assign(new Error(type), { type, code, retriable }));

/** kafkajs gives up once its retries are spent, keeping the last failure as `cause`. */
const retriesExceeded = (last: Error): KafkaJSNumberOfRetriesExceeded =>
  new KafkaJSNumberOfRetriesExceeded(last, { retryCount: 8, retryTime: 5000 });

/** kafkajs wraps an error it will not retry, keeping it as `cause` (its typings omit the option). */
const nonRetriable = (cause: Error): KafkaJSNonRetriableError =>
  Object.assign(new KafkaJSNonRetriableError(cause), { cause });

/** Their typings say they take no message; at run time they need one. */
const withMessage = (type: typeof KafkaJSBrokerNotFound | typeof KafkaJSLockTimeout) =>
  type as unknown as new (message: string) => KafkaJSError;
const brokerNotFound = (message: string): KafkaJSError =>
  new (withMessage(KafkaJSBrokerNotFound))(message);
const lockTimeout = (message: string): KafkaJSError =>
  new (withMessage(KafkaJSLockTimeout))(message);

const kafkaRefused = (): KafkaJSConnectionError =>
  new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092', {
    broker: '127.0.0.1:9092',
    code: 'ECONNREFUSED',
  });

const cyclic = (): Error => {
  const error = new Error('loops');
  const other = new Error('loops back', { cause: error });
  return Object.assign(error, { cause: other });
};

describe('unavailableDependency', () => {
  it.each<[string, unknown, Dependency | null]>([
    // PostgreSQL cannot be reached
    ['connection refused by the pool', socketError('ECONNREFUSED'), 'postgres'],
    [
      'connection refused on every address of the host',
      new AggregateError([socketError('ECONNREFUSED'), socketError('ECONNREFUSED')], ''),
      'postgres',
    ],
    ['a connection reset mid-query', queryFailed(socketError('ECONNRESET', 'read')), 'postgres'],
    ['a connect timeout of the socket', socketError('ETIMEDOUT'), 'postgres'],
    ['a write to a closed socket', queryFailed(socketError('EPIPE', 'write')), 'postgres'],
    ['an unreachable host', socketError('EHOSTUNREACH'), 'postgres'],
    ['a host name that does not resolve now', socketError('EAI_AGAIN', 'getaddrinfo'), 'postgres'],
    [
      'the connection ending under a query',
      queryFailed(new Error('Connection terminated unexpectedly')),
      'postgres',
    ],
    [
      'the pool giving up on a new connection',
      new Error('Connection terminated due to connection timeout', {
        cause: new Error('timeout expired'),
      }),
      'postgres',
    ],
    [
      'no pooled client within the connection timeout',
      new Error('timeout exceeded when trying to connect'),
      'postgres',
    ],
    [
      'a client whose connection broke',
      queryFailed(new Error('Client has encountered a connection error and is not queryable')),
      'postgres',
    ],
    [
      'a closed client',
      queryFailed(new Error('Client was closed and is not queryable')),
      'postgres',
    ],
    [
      'the pool ended by a shutdown',
      new Error('Cannot use a pool after calling end on the pool'),
      'postgres',
    ],
    // PostgreSQL is shutting down, starting, or out of resources
    [
      '57P01 admin shutdown',
      queryFailed(serverError('57P01', 'terminating connection due to administrator command')),
      'postgres',
    ],
    [
      '57P02 crash shutdown',
      serverError('57P02', 'terminating connection because of crash of another server process'),
      'postgres',
    ],
    [
      '57P03 cannot connect now',
      serverError('57P03', 'the database system is starting up'),
      'postgres',
    ],
    [
      '53300 too many connections',
      serverError('53300', 'sorry, too many clients already'),
      'postgres',
    ],
    [
      '53300 inside a failed query',
      queryFailed(serverError('53300', 'remaining connection slots are reserved')),
      'postgres',
    ],
    ['53100 disk full', queryFailed(serverError('53100', 'could not extend file')), 'postgres'],
    ['53200 out of memory', queryFailed(serverError('53200', 'out of memory')), 'postgres'],
    ['08006 connection failure', serverError('08006', 'connection failure'), 'postgres'],
    [
      '08001 cannot establish a connection',
      serverError('08001', 'could not connect to server'),
      'postgres',
    ],
    [
      '08P01 protocol violation',
      queryFailed(serverError('08P01', 'protocol violation')),
      'postgres',
    ],
    // Kafka cannot be reached
    ['a broker refusing the connection', kafkaRefused(), 'kafka'],
    ['retries spent on a refused connection', retriesExceeded(kafkaRefused()), 'kafka'],
    ['a non-retriable wrap of a refused connection', nonRetriable(kafkaRefused()), 'kafka'],
    [
      'a request timeout',
      retriesExceeded(
        new KafkaJSRequestTimeoutError('Request Produce(key: 0, version: 7) timed out', {
          broker: '127.0.0.1:9092',
          clientId: 'subscription-api',
          correlationId: 7,
          createdAt: 0,
          sentAt: 0,
          pendingDuration: 30000,
        }),
      ),
      'kafka',
    ],
    ['no broker known', brokerNotFound('Broker 1 not found in the cached metadata'), 'kafka'],
    ['a metadata lock held too long', lockTimeout('Timeout while acquiring lock'), 'kafka'],
    [
      'too few in-sync replicas for acks=all',
      retriesExceeded(brokerAnswer('NOT_ENOUGH_REPLICAS', 19, true)),
      'kafka',
    ],
    ['a partition without a leader', brokerAnswer('LEADER_NOT_AVAILABLE', 5, true), 'kafka'],
    [
      'a socket reset inside a kafkajs error is Kafka’s, not PostgreSQL’s',
      Object.assign(new KafkaJSError('Connection error: read ECONNRESET'), {
        cause: socketError('ECONNRESET', 'read'),
      }),
      'kafka',
    ],
    // Anything else is an internal error
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')"), null],
    ['a plain error', new Error('boom'), null],
    [
      '23505 unique violation',
      queryFailed(serverError('23505', 'duplicate key value violates unique constraint')),
      null,
    ],
    [
      '42P01 undefined table',
      queryFailed(serverError('42P01', 'relation "x" does not exist')),
      null,
    ],
    ['57014 statement cancelled', queryFailed(serverError('57014', 'canceling statement')), null],
    ['40001 serialization failure', queryFailed(serverError('40001', 'could not serialize')), null],
    ['a file that is not there', socketError('ENOENT', 'open'), null],
    ['a kafkajs usage error', new KafkaJSNonRetriableError('Invalid topics array undefined'), null],
    ['a message too large', brokerAnswer('MESSAGE_TOO_LARGE', 10, false), null],
    [
      'a topic the client may not write',
      nonRetriable(brokerAnswer('TOPIC_AUTHORIZATION_FAILED', 29, false)),
      null,
    ],
    ['retries spent on a bug', retriesExceeded(new Error('unexpected')), null],
    ['an error whose causes loop', cyclic(), null],
    ['null', null, null],
    ['undefined', undefined, null],
    ['a string', 'ECONNREFUSED', null],
  ])('%s', (_name, error, expected) => {
    expect(unavailableDependency(error)).toBe(expected);
  });
});
