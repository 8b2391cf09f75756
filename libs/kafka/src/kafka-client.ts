// Before kafkajs loads: its producer takes Herald's linear grouping of messages into partitions.
import './producer-grouping-fix';
// And its records encoded in one exact buffer each, their batches checksummed faster.
import './record-encoding-fix';
import { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';
import type { KafkaSasl, KafkaTls } from '@herald/config';
// Before any client connects: stops kafkajs's idle 1 ms timer loop on every connection.
import './request-queue-fix';
// And their records' varints encoded and decoded without a garbage of Buffers and BigInts.
import './varint-fix';
// And their requests grown without zero-filling what is overwritten anyway.
import './encoder-growth-fix';
import type { JsonLogger } from '@herald/observability';

// kafkajs logs every retried broker response at ERROR; what really fails reaches our code as an
// exception, so its levels are taken one step down.
const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'warn',
  [logLevel.WARN]: 'info',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** The Nest token of a service's Kafka client. */
export const KAFKA_CLIENT = Symbol('KAFKA_CLIENT');

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  logger?: JsonLogger;
  tls?: KafkaTls | null;
  sasl?: KafkaSasl | null;
}

/** kafkajs's `ssl` and `sasl` options from Herald's settings. */
export function kafkaSecurityOptions(
  tls: KafkaTls | null | undefined,
  sasl: KafkaSasl | null | undefined,
): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  return {
    ...(tls
      ? {
          ssl: {
            ...(tls.ca !== null ? { ca: [tls.ca] } : {}),
            ...(tls.cert !== null && tls.key !== null ? { cert: tls.cert, key: tls.key } : {}),
            ...(tls.servername !== null ? { servername: tls.servername } : {}),
          },
        }
      : {}),
    ...(sasl
      ? { sasl: { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } }
      : {}),
  } as Pick<KafkaConfig, 'ssl' | 'sasl'>;
}

/** Node's codes for a certificate that did not verify (kafkajs keeps them on its connection error). */
const TLS_VERIFICATION = /CERT|SELF_SIGNED|UNABLE_TO_(VERIFY|GET_ISSUER)/;

const codeOf = (error: Error): unknown => (error as Error & { code?: unknown }).code;

/** kafkajs's retrier wraps what it gives up on; what went wrong is somewhere down the causes. */
function causeWhere(error: Error, found: (cause: Error) => boolean): Error | undefined {
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause)
    if (found(cause)) return cause;
  return undefined;
}

/**
 * What a failed first connection means, in words an operator can act on. A refused SASL login is
 * not retried by kafkajs; it names the mechanism and the user (never the password).
 */
export function describeKafkaConnectFailure(
  error: unknown,
  options: Pick<KafkaClientOptions, 'brokers' | 'tls' | 'sasl'>,
): Error {
  if (!(error instanceof Error)) return new Error(String(error));
  const where = `${options.brokers.join(',')}${options.tls ? ' over TLS' : ''}`;
  const refused = causeWhere(error, (cause) => cause.name === 'KafkaJSSASLAuthenticationError');
  if (refused && options.sasl) {
    return new Error(
      `Kafka SASL authentication failed for user "${options.sasl.username}" with ${options.sasl.mechanism.toUpperCase()} at ${where} ` +
        `(check HERALD_KAFKA_SASL_USERNAME, its password and HERALD_KAFKA_SASL_MECHANISM): ${refused.message}`,
      { cause: error },
    );
  }
  const untrusted = causeWhere(error, (cause) => TLS_VERIFICATION.test(String(codeOf(cause))));
  const hint = untrusted
    ? " (the brokers' certificate is not trusted: check HERALD_KAFKA_TLS_CA_FILE and HERALD_KAFKA_TLS_SERVERNAME)"
    : '';
  return new Error(`Kafka at ${where}: ${error.message}${hint}`, { cause: error });
}

/** The one place kafkajs is configured, so the client library can be swapped behind `libs/kafka`. */
export function createKafkaClient(options: KafkaClientOptions): Kafka {
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    ...kafkaSecurityOptions(options.tls, options.sasl),
    connectionTimeout: 5000,
    requestTimeout: 30000,
    retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 5000 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...extra } = log;
        options.logger?.event(LEVELS[level] ?? 'info', `kafka: ${message}`, extra);
      },
  });
}
