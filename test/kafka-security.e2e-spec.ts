import { spawn } from 'node:child_process';
import { Kafka, logLevel } from 'kafkajs';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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
import { ApiClient, freePortRun, testConfig, waitFor, WebhookReceiver } from '@herald/testing';
import { startHerald, untilIngestKnows, type RunningHerald } from './support/herald-harness';
import { buildDist } from './support/service-process';

const root = join(__dirname, '..');

/** Runs a compiled script as `npm start` and the images do; resolves with what it printed once it exits. */
function runCompiled(
  script: string,
  env: Record<string, string | undefined>,
): { output: () => string; exited: Promise<number | null>; stop: () => void } {
  let output = '';
  const child = spawn(process.execPath, ['-r', './scripts/register-aliases.js', script], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return {
    output: () => output,
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
    stop: () => void child.kill('SIGINT'),
  };
}

/**
 * Herald against a broker that only speaks SASL_SSL to it: TLS with a CA made for the test, SCRAM
 * users written by Kafka's own storage tool. The services, the typed producer library and a refused
 * login at start-up.
 */
describe('Kafka over SASL_SSL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-kafka-security-'));
  const user = { name: 'herald', password: 'herald-secret-7' };
  let certificates: TestCertificates;
  let kafka: LocalKafka;
  let brokers: string;

  /** Herald's settings for the secured listener; the password comes from a file, as Kubernetes mounts it. */
  const securedSettings = (password: string): Record<string, string> => {
    const passwordFile = join(dir, `password-${password}`);
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
    certificates = await createTestCertificates(join(dir, 'certificates'));
    kafka = await startLocalKafka({
      dataDir: join(dir, 'kafka'),
      fresh: true,
      heapMb: 384,
      secured: {
        keystoreFile: certificates.serverKeystore,
        users: [user],
        clientCaFile: certificates.caCert,
      },
    });
    brokers = kafka.saslSslBrokers as string;
  }, 120_000);

  afterAll(async () => {
    await kafka?.stop();
    await rm(dir, { recursive: true, force: true });
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
      expect(herald.config.kafka.brokers).toEqual([brokers]);
      const operator = new ApiClient(herald.apiUrl, herald.config.auth.adminToken);
      const { tenantId, client } = await operator.createTenant('secured');
      const created = await client.request<{ id: string }>('POST', '/v1/subscriptions', {
        event_types: ['meter_data.*'],
        destination: { type: 'webhook', url: `${receiver.url}/hooks/secured` },
      });
      expect(created.status).toBe(201);
      await untilIngestKnows(herald, created.body.id);

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
      services: ['event-ingest'],
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

  it("stops a service at start-up when the brokers' certificate does not chain to a trusted CA", async () => {
    const settings = securedSettings(user.password);
    // The system's CAs: the test CA is not among them. kafkajs retries this (about 10 s here).
    delete settings.HERALD_KAFKA_TLS_CA_FILE;
    const error = await startHerald(testConfig(settings), { services: ['event-ingest'] }).then(
      () => new Error('Herald started against an untrusted broker'),
      (failure: unknown) => failure as Error,
    );
    expect(error.message).toMatch(
      // Node 24 adds its own advice after the reason ("; if the root CA is installed locally, …").
      /^Kafka at 127\.0\.0\.1:\d+ over TLS: .*unable to verify the first certificate(; [^(]*)? \(the brokers' certificate is not trusted: check HERALD_KAFKA_TLS_CA_FILE/,
    );
  }, 60_000);

  it('connects the services and the producer library with a client certificate (mutual TLS)', async () => {
    const mutualTls = kafka.mutualTlsBrokers as string;
    const herald = await startHerald(
      testConfig({
        KAFKA_BROKERS: mutualTls,
        HERALD_KAFKA_TLS_CA_FILE: certificates.caCert,
        HERALD_KAFKA_TLS_CERT_FILE: certificates.clientCert,
        HERALD_KAFKA_TLS_KEY_FILE: certificates.clientKey,
      }),
      { services: ['event-ingest'] },
    );
    await herald.stop();
    const ca = readFileSync(certificates.caCert, 'utf8');
    const publisher = await HeraldPublisher.connect({
      brokers: [mutualTls],
      ssl: {
        ca: [ca],
        cert: readFileSync(certificates.clientCert, 'utf8'),
        key: readFileSync(certificates.clientKey, 'utf8'),
      },
    });
    try {
      expect(
        await publisher.publish({ tenant_id: 'ten_mtls', type: 'meter.created', data: { n: 1 } }),
      ).toEqual([expect.stringMatching(/^evt_/)]);
    } finally {
      await publisher.disconnect();
    }
    // Without a certificate the broker ends the handshake.
    const bare = new Kafka({
      brokers: [mutualTls],
      ssl: { ca: [ca] },
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
    }).admin();
    await expect(bare.connect()).rejects.toThrow(/alert bad certificate/);
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

  describe('compiled, as npm start and the images run it', () => {
    beforeAll(() => buildDist(), 120_000);

    it('ends a service process with the SASL error at start-up', async () => {
      const ingest = runCompiled('dist/apps/event-ingest/src/main.js', {
        ...securedSettings('not-the-password'),
        HERALD_ENCRYPTION_KEY: process.env.HERALD_TEST_ENCRYPTION_KEY,
        HERALD_HTTP_PORT: '0',
        HERALD_LOG_LEVEL: 'error',
      });
      expect(await ingest.exited).toBe(1);
      expect(ingest.output()).toMatch(
        /^event-ingest failed to start: Kafka SASL authentication failed for user "herald" with SCRAM-SHA-512 at 127\.0\.0\.1:\d+ over TLS/m,
      );
      expect(ingest.output()).not.toContain('not-the-password');
    }, 30_000);

    it('npm start passes the settings to its services when pointed at secured brokers', async () => {
      const apiPort = await freePortRun(3);
      const receiver = await WebhookReceiver.start();
      const launcher = runCompiled('dist/deploy/local/start.js', {
        ...securedSettings(user.password),
        HERALD_DATA_DIR: join(dir, 'npm-start'),
        HERALD_HTTP_PORT: String(apiPort),
        HERALD_GRPC_PORT: String(await freePortRun(1)),
        HERALD_ADMIN_TOKEN: undefined,
        HERALD_ENCRYPTION_KEY: process.env.HERALD_TEST_ENCRYPTION_KEY,
      });
      try {
        await waitFor(
          'the launcher to say Herald is ready',
          () => {
            if (launcher.output().includes('failed to start')) throw new Error(launcher.output());
            return launcher.output().includes('Press Ctrl-C');
          },
          90_000,
          200,
        );
        expect(launcher.output()).toContain(
          `Kafka bootstrap  ${brokers}   (publish events to herald.events.inbound, TLS, SASL SCRAM-SHA-512 as herald)`,
        );
        expect(launcher.output()).not.toContain(user.password);
        const printed = (label: string): string =>
          (new RegExp(`${label}\\s+(\\S+)`).exec(launcher.output()) ?? [])[1] ?? '';
        const client = new ApiClient(`http://127.0.0.1:${apiPort}`, printed('tenant API key'));
        const created = await client.request('POST', '/v1/subscriptions', {
          event_types: ['meter_data.*'],
          destination: { type: 'webhook', url: `${receiver.url}/hooks/npm-start` },
        });
        expect(created.status).toBe(201);
        const publisher = await HeraldPublisher.connect({
          brokers: [brokers],
          ssl: { ca: [readFileSync(certificates.caCert, 'utf8')] },
          sasl: { mechanism: 'scram-sha-512', username: user.name, password: user.password },
        });
        try {
          // Event-ingest learns of the subscription through the outbox; publish until it matches.
          await waitFor(
            'a webhook from the launched services',
            async () => {
              if (receiver.requests.length === 0)
                await publisher.publish({
                  tenant_id: printed('tenant'),
                  type: 'meter_data.received',
                  data: { meter_id: 'm-npm-start' },
                });
              return receiver.requests.find((r) => r.path === '/hooks/npm-start');
            },
            60_000,
            2_000,
          );
        } finally {
          await publisher.disconnect();
        }
        // The services' own logs, at info with kafkajs's lines in them, hold no password either.
        const logs = join(dir, 'npm-start', 'logs');
        // One a service: the API, event-ingest (which matches) and the deliverer.
        expect(readdirSync(logs)).toEqual(
          expect.arrayContaining(['subscription-api.log', 'event-ingest.log', 'deliverer.log']),
        );
        for (const file of readdirSync(logs))
          expect(readFileSync(join(logs, file), 'utf8')).not.toContain(user.password);
      } finally {
        launcher.stop();
        await launcher.exited;
        await receiver.stop();
      }
    }, 180_000);
  });
});
