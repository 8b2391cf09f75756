import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { JsonLogger } from '@herald/config';

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
}

/** The one place kafkajs is configured, so the client library can be swapped behind `libs/kafka`. */
export function createKafkaClient(options: KafkaClientOptions): Kafka {
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
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
