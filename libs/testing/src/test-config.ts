import { randomBytes } from 'node:crypto';
import { loadConfig, type HeraldConfig } from '@herald/config';

/** Settings for a Herald under test: the run's Kafka and PostgreSQL, loopback receivers allowed, short retries. */
export function testConfig(overrides: Record<string, string> = {}): HeraldConfig {
  return loadConfig({
    DATABASE_URL: process.env.DATABASE_URL,
    KAFKA_BROKERS: process.env.KAFKA_BROKERS,
    HERALD_ENCRYPTION_KEY:
      process.env.HERALD_TEST_ENCRYPTION_KEY ?? randomBytes(32).toString('base64'),
    HERALD_ADMIN_TOKEN: `admin-${randomBytes(16).toString('hex')}`,
    HERALD_ALLOW_PRIVATE_DESTINATIONS: 'true',
    HERALD_TOPIC_PARTITIONS: '3',
    HERALD_RETRY_SCHEDULE: '1s,2s',
    // Compressed like the schedule: at its 30 s default, an open circuit would outlast most tests that
    // fail a receiver on purpose. The breaker's own suite sets it.
    HERALD_CIRCUIT_BREAKER_THRESHOLD: '1000',
    HERALD_HTTP_PORT: '0',
    HERALD_GRPC_PORT: '0',
    HERALD_LOG_LEVEL: process.env.HERALD_TEST_VERBOSE ? 'debug' : 'error',
    ...overrides,
  });
}
