import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTestCertificates,
  startLocalKafka,
  type LocalKafka,
  type TestCertificates,
} from '@herald/local-infra';
import { HeraldPublisher, KafkaAuthenticationError } from '@herald/producer';
import { ApiClient, testConfig, waitFor, WebhookReceiver } from '@herald/testing';
import { startHerald, untilMatcherKnows, type RunningHerald } from './support/herald-harness';

/**
 * Herald against a broker that only speaks SASL_SSL to it: TLS with a CA made for the test, SCRAM
 * users written by Kafka's own storage tool. The services, the typed producer library and a refused
 * login at start-up.
 */
describe('Kafka over SASL_SSL', () => {
  const root = mkdtempSync(join(tmpdir(), 'herald-kafka-security-'));
  const user = { name: 'herald', password: 'herald-secret-7' };
  let certificates: TestCertificates;
  let kafka: LocalKafka;
  let brokers: string;

  /** Herald's settings for the secured listener; the password comes from a file, as Kubernetes mounts it. */
  const securedSettings = (password: string): Record<string, string> => {
    const passwordFile = join(root, `password-${password}`);
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    return {
      KAFKA_BROKERS: brokers,
      HERALD_KAFKA_TLS: 'true',
      HERALD_KAFKA_TLS_CA_FILE: certificates.caCert,
      HERALD_KAFKA_SASL_MECHANISM: 'scram-sha-512',
      HERALD_KAFKA_SASL_USERNAME: user.name,
      HERALD_KAFKA_SASL_PASSWORD_FILE: passwordFile,
    };
  };

  beforeAll(async () => {
    certificates = await createTestCertificates(join(root, 'certificates'));
    kafka = await startLocalKafka({
      dataDir: join(root, 'kafka'),
      fresh: true,
      heapMb: 384,
      saslSsl: { keystoreFile: certificates.serverKeystore, users: [user] },
    });
    brokers = kafka.saslSslBrokers as string;
  }, 120_000);

  afterAll(async () => {
    await kafka?.stop();
    await rm(root, { recursive: true, force: true });
  });

  describe('with the right credentials', () => {
    let herald: RunningHerald;
    let receiver: WebhookReceiver;

    beforeAll(async () => {
      herald = await startHerald(testConfig(securedSettings(user.password)));
      receiver = await WebhookReceiver.start();
    }, 120_000);

    afterAll(async () => {
      await receiver?.stop();
      await herald?.stop();
    });

    it('delivers an event published with the producer library over SASL_SSL, end to end', async () => {
      expect(herald.config.kafkaBrokers).toEqual([brokers]);
      const operator = new ApiClient(herald.apiUrl, herald.config.adminToken);
      const { tenantId, client } = await operator.createTenant('secured');
      const created = await client.request<{ id: string }>('POST', '/v1/subscriptions', {
        event_types: ['meter_data.*'],
        destination: { type: 'webhook', url: `${receiver.url}/hooks/secured` },
      });
      expect(created.status).toBe(201);
      await untilMatcherKnows(herald, created.body.id);

      const publisher = await HeraldPublisher.connect({
        brokers: [brokers],
        ssl: { ca: [readFileSync(certificates.caCert, 'utf8')] },
        // Another mechanism than the services use: the broker's user has credentials for both.
        sasl: { mechanism: 'scram-sha-256', username: user.name, password: user.password },
      });
      try {
        const [id] = await publisher.publish({
          tenant_id: tenantId,
          type: 'meter_data.received',
          data: { meter_id: 'm-secured' },
        });
        const request = await waitFor('the webhook of the event sent over SASL_SSL', () =>
          receiver.requests.find((r) => r.path === '/hooks/secured'),
        );
        expect(JSON.parse(request.body)).toMatchObject({
          id,
          type: 'meter_data.received',
          data: { meter_id: 'm-secured' },
        });
      } finally {
        await publisher.disconnect();
      }
    });
  });

  it('stops a service at start-up when the password is wrong, naming SASL, the mechanism and the user', async () => {
    const started = Date.now();
    const attempt = startHerald(testConfig(securedSettings('not-the-password')), {
      services: ['matcher'],
    });
    const error = await attempt.then(
      () => new Error('Herald started with a wrong Kafka password'),
      (failure: unknown) => failure as Error,
    );
    expect(error.message).toMatch(
      /^Kafka SASL authentication failed for user "herald" with SCRAM-SHA-512 at 127\.0\.0\.1:\d+ over TLS/,
    );
    expect(error.message).not.toContain('not-the-password');
    // Refused at once, not after kafkajs's retries.
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('refuses the producer library a wrong password with its own error', async () => {
    const attempt = HeraldPublisher.connect({
      brokers: [brokers],
      ssl: { ca: [readFileSync(certificates.caCert, 'utf8')] },
      sasl: { mechanism: 'plain', username: user.name, password: 'wrong' },
    });
    await expect(attempt).rejects.toThrow(KafkaAuthenticationError);
    await expect(attempt).rejects.toThrow(
      /^Kafka SASL authentication failed for user "herald" with PLAIN: /,
    );
  });
});
