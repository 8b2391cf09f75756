import { ConfigError, loadConfig } from './herald-config';

const base = {
  DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/herald',
  HERALD_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
};

describe('configuration', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({
      server: { httpPort: 3000, grpcPort: 50051 },
      kafka: { brokers: ['127.0.0.1:9092'], topicPartitions: 12, fetchLingerMs: 25 },
      delivery: {
        timeoutMs: 10_000,
        autoDisableAfterMs: 5 * 86_400_000,
        allowPrivateDestinations: false,
        smtp: { url: null, from: 'Herald <herald@localhost>' },
      },
      ingest: { maxEventBytes: 262_144 },
      auth: { adminToken: null },
    });
    expect(config.delivery.retrySchedule).toEqual([
      5000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 10_800_000, 21_600_000, 43_200_000,
      86_400_000,
    ]);
  });

  it('keeps a rotated API key for HERALD_API_KEY_ROTATION_GRACE, 24h by default', () => {
    expect(loadConfig(base).auth.apiKeyRotationGraceMs).toBe(86_400_000);
    expect(
      loadConfig({ ...base, HERALD_API_KEY_ROTATION_GRACE: '90s' }).auth.apiKeyRotationGraceMs,
    ).toBe(90_000);
  });

  it('keeps history for HERALD_RETENTION, 30d by default, purging every HERALD_RETENTION_INTERVAL', () => {
    expect(loadConfig(base)).toMatchObject({
      retention: { ms: 30 * 86_400_000, intervalMs: 60_000 },
    });
    expect(
      loadConfig({ ...base, HERALD_RETENTION: '7d', HERALD_RETENTION_INTERVAL: '10s' }),
    ).toMatchObject({ retention: { ms: 7 * 86_400_000, intervalMs: 10_000 } });
  });

  it.each([
    { value: undefined, origins: [] },
    { value: "'none'", origins: [] },
    { value: "'self'", origins: ["'self'"] },
    {
      value: 'https://app.example.com, https://*.example.org:8443',
      origins: ['https://app.example.com', 'https://*.example.org:8443'],
    },
  ])(
    'lets HERALD_CONSOLE_FRAME_ANCESTORS=$value frame the console: $origins',
    ({ value, origins }) => {
      expect(
        loadConfig({ ...base, HERALD_CONSOLE_FRAME_ANCESTORS: value }).console.frameAncestors,
      ).toEqual(origins);
    },
  );

  it.each([
    { value: undefined, url: null },
    { value: 'https://hooks.example.com/', url: 'https://hooks.example.com' },
    { value: ' https://example.com/herald/ ', url: 'https://example.com/herald' },
    { value: 'http://127.0.0.1:8080', url: 'http://127.0.0.1:8080' },
  ])('reads HERALD_PUBLIC_URL=$value as $url', ({ value, url }) => {
    expect(loadConfig({ ...base, HERALD_PUBLIC_URL: value }).console.publicUrl).toBe(url);
  });

  it.each([
    'hooks.example.com',
    'ftp://example.com',
    'https://example.com/?a=1',
    'https://u:p@example.com',
  ])('refuses HERALD_PUBLIC_URL=%s, naming the variable', (value) => {
    expect(() => loadConfig({ ...base, HERALD_PUBLIC_URL: value })).toThrow(/HERALD_PUBLIC_URL/);
  });

  it.each(["https://a.example.com; script-src 'unsafe-inline'", '*', 'javascript:alert(1)'])(
    'refuses HERALD_CONSOLE_FRAME_ANCESTORS=%s, naming the variable',
    (value) => {
      expect(() => loadConfig({ ...base, HERALD_CONSOLE_FRAME_ANCESTORS: value })).toThrow(
        /HERALD_CONSOLE_FRAME_ANCESTORS/,
      );
    },
  );

  it('reads hex and base64 encryption keys', () => {
    expect(
      loadConfig({ ...base, HERALD_ENCRYPTION_KEY: 'ab'.repeat(32) }).secrets.encryptionKey,
    ).toEqual(Buffer.alloc(32, 0xab));
  });

  it.each([
    ['DATABASE_URL', { DATABASE_URL: undefined }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://x' }],
    ['HERALD_ENCRYPTION_KEY', { HERALD_ENCRYPTION_KEY: undefined }],
    ['HERALD_ENCRYPTION_KEY', { HERALD_ENCRYPTION_KEY: 'c2hvcnQ=' }],
    ['HERALD_HTTP_PORT', { HERALD_HTTP_PORT: 'eighty' }],
    ['HERALD_HTTP_PORT', { HERALD_HTTP_PORT: '70000' }],
    ['HERALD_TOPIC_PARTITIONS', { HERALD_TOPIC_PARTITIONS: '0' }],
    ['HERALD_RETRY_SCHEDULE', { HERALD_RETRY_SCHEDULE: '5s,later' }],
    ['HERALD_AUTO_DISABLE_AFTER', { HERALD_AUTO_DISABLE_AFTER: 'never' }],
    ['HERALD_API_KEY_ROTATION_GRACE', { HERALD_API_KEY_ROTATION_GRACE: 'a while' }],
    ['HERALD_RETENTION', { HERALD_RETENTION: '0d' }],
    ['HERALD_RETENTION', { HERALD_RETENTION: 'forever' }],
    ['HERALD_RETENTION_INTERVAL', { HERALD_RETENTION_INTERVAL: '0s' }],
    ['HERALD_ALLOW_PRIVATE_DESTINATIONS', { HERALD_ALLOW_PRIVATE_DESTINATIONS: 'maybe' }],
    ['KAFKA_BROKERS', { KAFKA_BROKERS: 'localhost' }],
    ['HERALD_ADMIN_TOKEN', { HERALD_ADMIN_TOKEN: 'short' }],
    ['HERALD_LOG_LEVEL', { HERALD_LOG_LEVEL: 'loud' }],
    ['HERALD_SMTP_FROM', { HERALD_SMTP_FROM: 'not an address' }],
  ])('stops on a bad %s and names it', (variable, overrides) => {
    const attempt = () => loadConfig({ ...base, ...overrides });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(new RegExp(`^${variable}: `));
  });

  it('turns tracing on with an OTLP endpoint, off without one, and honours the traces endpoint and protocol', () => {
    expect(loadConfig(base)).toMatchObject({
      telemetry: { otel: { tracesUrl: null, protocol: 'http/protobuf' } },
      server: { metricsPort: null },
    });
    expect(
      loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).telemetry.otel
        .tracesUrl,
    ).toBe('http://collector:4318/v1/traces');
    expect(
      loadConfig({
        ...base,
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example.com/otlp',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      }),
    ).toMatchObject({
      telemetry: { otel: { tracesUrl: 'https://traces.example.com/otlp', protocol: 'http/json' } },
    });
    expect(loadConfig({ ...base, HERALD_METRICS_PORT: '9464' }).server.metricsPort).toBe(9464);
  });

  it('refuses OTLP settings it cannot honour, naming the variable', () => {
    expect(() => loadConfig({ ...base, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(
      new ConfigError(
        'OTEL_EXPORTER_OTLP_PROTOCOL',
        'must be http/protobuf or http/json, got "grpc"',
      ),
    );
    expect(() => loadConfig({ ...base, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' })).toThrow(
      /^OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: /,
    );
    expect(() => loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(
      /^OTEL_EXPORTER_OTLP_ENDPOINT: must be an http\(s\) URL/,
    );
  });
});
