import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalElasticMq, LocalKafka, LocalPostgres } from '@herald/local-infra';

declare global {
  var __HERALD_INFRA__:
    | { kafka: LocalKafka | null; postgres: LocalPostgres | null; sqs: LocalElasticMq | null }
    | undefined;
}

/**
 * Brings up a fresh Kafka broker, PostgreSQL and ElasticMQ (an SQS-compatible queue) for the whole
 * run (unless KAFKA_BROKERS, DATABASE_URL and HERALD_TEST_SQS_ENDPOINT name existing ones), migrates
 * once, and hands their addresses to the test workers.
 */
export default async function globalSetup(): Promise<void> {
  // One key for the run: every in-process Herald shares the consumer groups, so any of them may
  // handle another test file's deliveries and must be able to read its secrets.
  process.env.HERALD_TEST_ENCRYPTION_KEY ??= randomBytes(32).toString('base64');
  if (process.env.HERALD_TEST_INFRA === 'off') return;
  // Jest loads this file with plain require, where the @herald/* aliases need the hook first.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('../../../scripts/register-aliases');
  const { startLocalElasticMq, startLocalKafka, startLocalPostgres } =
    await import('@herald/local-infra');
  const { runMigrations } = await import('@herald/persistence');
  const { testConfig } = await import('./test-config');

  const root = mkdtempSync(join(tmpdir(), 'herald-test-'));
  const log = (line: string): void => {
    if (process.env.HERALD_TEST_VERBOSE) process.stderr.write(`[test-infra] ${line}\n`);
  };
  const started = await Promise.allSettled([
    process.env.KAFKA_BROKERS
      ? null
      : startLocalKafka({ dataDir: join(root, 'kafka'), fresh: true, log }),
    process.env.DATABASE_URL
      ? null
      : startLocalPostgres({ dataDir: join(root, 'postgres'), fresh: true, log }),
    process.env.HERALD_TEST_SQS_ENDPOINT
      ? null
      : startLocalElasticMq({ dataDir: join(root, 'elasticmq'), log }),
  ]);
  const [kafka, postgres, sqs] = started.map((result) =>
    result.status === 'fulfilled' ? result.value : null,
  ) as [LocalKafka | null, LocalPostgres | null, LocalElasticMq | null];
  globalThis.__HERALD_INFRA__ = { kafka, postgres, sqs };
  const failure = started.find((result) => result.status === 'rejected');
  if (failure) {
    // Jest skips the teardown when the setup fails, so whatever did start is stopped here.
    await Promise.all([kafka?.stop(), postgres?.stop(), sqs?.stop()]);
    throw failure.reason;
  }
  if (kafka) process.env.KAFKA_BROKERS = kafka.brokers;
  if (postgres) process.env.DATABASE_URL = postgres.url;
  if (sqs) process.env.HERALD_TEST_SQS_ENDPOINT = sqs.endpoint;
  await runMigrations(process.env.DATABASE_URL as string);
  // Herald's topics exist before any test, as they would in a deployment (tests that only read or
  // write a topic need no service to have created it first).
  const { allTopics } = await import('@herald/contracts');
  const { createKafkaClient, ensureTopics } = await import('@herald/kafka');
  const config = testConfig();
  await ensureTopics(
    createKafkaClient({ brokers: config.kafka.brokers, clientId: 'herald-test-setup' }),
    allTopics(config.delivery.retrySchedule),
    { partitions: config.kafka.topicPartitions, replicationFactor: 1 },
  );
}
