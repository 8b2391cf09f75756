import { parseDuration, parseSchedule } from '@herald/domain';
import { ConfigError } from './config-error';
import {
  kafkaSasl,
  kafkaTls,
  postgresConnection,
  type KafkaSasl,
  type KafkaTls,
} from './connection-security';

export { ConfigError } from './config-error';

/**
 * Every setting Herald reads, nested by area and validated once at start-up. README "Settings"
 * documents each variable.
 *
 * A service declares the areas it reads as its own type (`ConfigOf<...>`, e.g. `DelivererConfig`),
 * and its classes take that type, so a deliverer class cannot read the admin token. The object each
 * process holds is still this whole config: `loadConfig` validates every variable, including the
 * areas the starting service never reads. That is on purpose: one environment (the Helm chart's
 * settings ConfigMap and Secret, `npm start`'s) is given to all four services, so a wrong value is a
 * deployment mistake that should stop every service at once, naming the variable, rather than let
 * three of them start and the fourth fail on its next roll-out; and which service reads an area
 * changes with the code (the API awaits a test delivery for the attempt timeout, every service
 * creates the retry topics of the retry schedule), while what a deployment must get right should not.
 */
export interface HeraldConfig {
  server: ServerConfig;
  console: ConsoleConfig;
  auth: AuthConfig;
  database: DatabaseConfig;
  kafka: KafkaConfig;
  delivery: DeliveryConfig;
  secrets: SecretsConfig;
  ingest: IngestConfig;
  retention: RetentionConfig;
  telemetry: TelemetryConfig;
}

/** The areas of the config a service (or a lib) reads: what its classes take instead of the whole. */
export type ConfigOf<Area extends keyof HeraldConfig> = Pick<HeraldConfig, Area>;

/** The ports a service listens on. */
export interface ServerConfig {
  /** The REST API, or health and metrics for the pipeline services. */
  httpPort: number;
  /** subscription-api's gRPC admin API (0: off). */
  grpcPort: number;
  /** A second listener serving only metrics and health (null: they are served on `httpPort` only). */
  metricsPort: number | null;
}

/** How subscription-api presents the console. */
export interface ConsoleConfig {
  /**
   * The origin (and path prefix, if any) readers reach subscription-api at, e.g. behind a
   * TLS-terminating proxy: console links start with it. Null: the origin each request came in on.
   */
  publicUrl: string | null;
  /**
   * Origins allowed to frame the console (CSP `frame-ancestors`), e.g. an operator's product that
   * embeds it as a tenant portal; empty denies framing.
   */
  frameAncestors: string[];
}

/** Who may call the API. */
export interface AuthConfig {
  /** The operator's bearer token (null: no operator access). */
  adminToken: string | null;
  /** How long a rotated API key keeps working after `POST /v1/api-keys/rotate`. */
  apiKeyRotationGraceMs: number;
}

export interface DatabaseConfig {
  /** `postgres://…`, `sslmode` included. */
  url: string;
  /** PEM file of the CA that signed PostgreSQL's certificate (`sslmode` is in the URL). */
  caFile: string | null;
}

export interface KafkaConfig {
  brokers: string[];
  clientId: string;
  /** null: plain TCP to the brokers. */
  tls: KafkaTls | null;
  /** null: no SASL authentication. */
  sasl: KafkaSasl | null;
  /** Partitions of the topics Herald creates. */
  topicPartitions: number;
  /** Replication factor of the topics Herald creates. */
  topicReplicationFactor: number;
  /**
   * While messages flow, how long a consumer's fetch waits for more to gather (0: not at all): a
   * stage then handles a stream a few dozen messages at a time, with one write and one produce each,
   * at the cost of up to this much latency per stage. A quiet stream waits for nothing.
   */
  fetchLingerMs: number;
}

/** How the deliverer (and the API's test deliveries) call destinations. */
export interface DeliveryConfig {
  /**
   * The delay after each failed attempt, in ms. Every service creates one retry topic per distinct
   * delay, so the Kafka setup reads it too.
   */
  retrySchedule: number[];
  /** Per attempt. */
  timeoutMs: number;
  /** Failing without a success this long disables a subscription. */
  autoDisableAfterMs: number;
  circuitBreaker: {
    /** Consecutive failed attempts that open a subscription's circuit breaker. */
    threshold: number;
    /** How long an open circuit skips calls before one trial call. */
    openMs: number;
  };
  /** Allow loopback, private and link-local destinations. */
  allowPrivateDestinations: boolean;
  smtp: {
    /** The SMTP server of email destinations (null: none). */
    url: string | null;
    /** The From of email deliveries, `Name <address>` or a bare address. */
    from: string;
  };
}

export interface SecretsConfig {
  /** AES-256-GCM key of the secrets at rest (32 bytes). */
  encryptionKey: Buffer;
}

/** How events come in (POST /v1/events, gRPC, the inbound topic). */
export interface IngestConfig {
  /** The largest accepted event, in bytes. */
  maxEventBytes: number;
}

export interface RetentionConfig {
  /** How long events, deliveries and attempts are kept, unless a tenant has its own retention. */
  ms: number;
  /** How often subscription-api purges what is past retention (one replica at a time). */
  intervalMs: number;
}

export interface TelemetryConfig {
  logLevel: LogLevel;
  otel: OtelConfig;
}

/** The OTLP exporter settings of the OpenTelemetry specification that Herald honours. */
export interface OtelConfig {
  /** OTLP/HTTP base URL (`OTEL_EXPORTER_OTLP_ENDPOINT`). */
  endpoint: string | null;
  /**
   * Where spans are sent: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as given, else the base URL plus
   * `/v1/traces`; null turns tracing off.
   */
  tracesUrl: string | null;
  protocol: OtlpProtocol;
  /** Overrides the service name on traces (`herald-<service>` by default). */
  serviceName: string | null;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type OtlpProtocol = 'http/protobuf' | 'http/json';

type Env = Record<string, string | undefined>;

function text(env: Env, name: string): string | null {
  const value = env[name];
  return value === undefined || value.trim() === '' ? null : value.trim();
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = text(env, name);
  if (value === null) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw new ConfigError(name, `must be an integer from ${min} to ${max}, got "${value}"`);
  }
  return parsed;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const value = text(env, name);
  if (value === null) return fallback;
  if (/^(true|1|yes)$/i.test(value)) return true;
  if (/^(false|0|no)$/i.test(value)) return false;
  throw new ConfigError(name, `must be true or false, got "${value}"`);
}

function duration(env: Env, name: string, fallback: string): number {
  const value = text(env, name) ?? fallback;
  const parsed = parseDuration(value);
  if (parsed === null || parsed <= 0) {
    throw new ConfigError(name, `must be a duration such as 30s, 10m, 5d, got "${value}"`);
  }
  return parsed;
}

function encryptionKey(env: Env): Buffer {
  const value = text(env, 'HERALD_ENCRYPTION_KEY');
  if (value === null) {
    throw new ConfigError(
      'HERALD_ENCRYPTION_KEY',
      'is required: 32 bytes as base64 or hex (npm start generates one for local runs)',
    );
  }
  const key = /^[0-9a-fA-F]{64}$/.test(value)
    ? Buffer.from(value, 'hex')
    : Buffer.from(value, 'base64');
  if (key.length !== 32) {
    throw new ConfigError('HERALD_ENCRYPTION_KEY', `must decode to 32 bytes, got ${key.length}`);
  }
  return key;
}

function smtpFrom(env: Env): string {
  const value = text(env, 'HERALD_SMTP_FROM') ?? 'Herald <herald@localhost>';
  if (/[\r\n]/.test(value) || !/^([^<>]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/.test(value)) {
    throw new ConfigError(
      'HERALD_SMTP_FROM',
      `must be an address such as Herald <herald@example.com>, got "${value}"`,
    );
  }
  return value;
}

function otlpUrl(env: Env, name: string): string | null {
  const value = text(env, name);
  if (value !== null && !/^https?:\/\/[^\s/]+/.test(value)) {
    throw new ConfigError(
      name,
      `must be an http(s) URL such as http://otel-collector:4318, got "${value}"`,
    );
  }
  return value;
}

function otel(env: Env): OtelConfig {
  const otelEndpoint = otlpUrl(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  const tracesUrl = otlpUrl(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const variable = text(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL')
    ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'
    : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const protocol = text(env, variable) ?? 'http/protobuf';
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    throw new ConfigError(variable, `must be http/protobuf or http/json, got "${protocol}"`);
  }
  return {
    endpoint: otelEndpoint,
    tracesUrl:
      tracesUrl ?? (otelEndpoint === null ? null : `${otelEndpoint.replace(/\/+$/, '')}/v1/traces`),
    protocol,
    serviceName: text(env, 'OTEL_SERVICE_NAME'),
  };
}

/**
 * `HERALD_CONSOLE_FRAME_ANCESTORS`: origins separated by spaces or commas (`https://app.example.com`,
 * `https://*.example.com`, `'self'`), or `'none'`. Anything else could widen or break the header it
 * is written into, so it stops the start.
 */
function consoleFrameAncestors(env: Env): string[] {
  const value = text(env, 'HERALD_CONSOLE_FRAME_ANCESTORS');
  if (value === null || value === "'none'") return [];
  const origins = value.split(/[\s,]+/).filter(Boolean);
  for (const origin of origins) {
    if (origin !== "'self'" && !/^https?:\/\/(\*\.)?[a-z0-9.-]+(:\d{1,5})?$/i.test(origin)) {
      throw new ConfigError(
        'HERALD_CONSOLE_FRAME_ANCESTORS',
        `must be 'none', 'self' or origins such as https://app.example.com, got "${origin}"`,
      );
    }
  }
  return origins;
}

/** `HERALD_PUBLIC_URL`: an `http(s)://` URL without query or fragment, kept without a final slash. */
function publicUrl(env: Env): string | null {
  const value = text(env, 'HERALD_PUBLIC_URL');
  if (value === null) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(
      'HERALD_PUBLIC_URL',
      `must be a URL such as https://hooks.example.com, got "${value}"`,
    );
  }
  if (!['http:', 'https:'].includes(url.protocol) || url.search || url.hash || url.username)
    throw new ConfigError(
      'HERALD_PUBLIC_URL',
      `must be an http(s) URL without credentials, query or fragment, got "${value}"`,
    );
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export function loadConfig(env: Env = process.env): HeraldConfig {
  const databaseUrl = text(env, 'DATABASE_URL');
  if (databaseUrl === null || !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL', 'is required and must be a postgres:// URL');
  }
  const databaseCaFile = text(env, 'HERALD_DATABASE_CA_FILE');
  // Reads the CA and checks sslmode now, so a bad one stops the start rather than the first query.
  postgresConnection(databaseUrl, databaseCaFile);
  const scheduleText = text(env, 'HERALD_RETRY_SCHEDULE') ?? '5s,30s,2m,10m,30m,1h,3h,6h,12h,24h';
  const retrySchedule = parseSchedule(scheduleText);
  if (retrySchedule === null) {
    throw new ConfigError(
      'HERALD_RETRY_SCHEDULE',
      `must be comma-separated durations such as 5s,30s,2m, got "${scheduleText}"`,
    );
  }
  const brokers = (text(env, 'KAFKA_BROKERS') ?? '127.0.0.1:9092')
    .split(',')
    .map((broker) => broker.trim())
    .filter(Boolean);
  if (!brokers.every((broker) => /^[^\s:]+:\d{1,5}$/.test(broker))) {
    throw new ConfigError('KAFKA_BROKERS', 'must be comma-separated host:port pairs');
  }
  const logLevel = (text(env, 'HERALD_LOG_LEVEL') ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('HERALD_LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  }
  const adminToken = text(env, 'HERALD_ADMIN_TOKEN');
  if (adminToken !== null && adminToken.length < 16) {
    throw new ConfigError('HERALD_ADMIN_TOKEN', 'must be at least 16 characters');
  }
  // Read in this order so that, of several bad variables, the same one is named first as before.
  const httpPort = integer(env, 'HERALD_HTTP_PORT', 3000, 0, 65535);
  const grpcPort = integer(env, 'HERALD_GRPC_PORT', 50051, 0, 65535);
  const metricsPort =
    text(env, 'HERALD_METRICS_PORT') === null
      ? null
      : integer(env, 'HERALD_METRICS_PORT', 0, 0, 65535);
  const kafkaClientId = text(env, 'HERALD_KAFKA_CLIENT_ID') ?? 'herald';
  const tls = kafkaTls(env);
  const sasl = kafkaSasl(env);
  const topicPartitions = integer(env, 'HERALD_TOPIC_PARTITIONS', 12, 1, 10_000);
  const topicReplicationFactor = integer(env, 'HERALD_TOPIC_REPLICATION_FACTOR', 1, 1, 10);
  const timeoutMs = integer(env, 'HERALD_DELIVERY_TIMEOUT_MS', 10_000, 100, 300_000);
  const autoDisableAfterMs = duration(env, 'HERALD_AUTO_DISABLE_AFTER', '5d');
  const threshold = integer(env, 'HERALD_CIRCUIT_BREAKER_THRESHOLD', 5, 1, 1000);
  const openMs = duration(env, 'HERALD_CIRCUIT_BREAKER_OPEN', '30s');
  const apiKeyRotationGraceMs = duration(env, 'HERALD_API_KEY_ROTATION_GRACE', '24h');
  const allowPrivateDestinations = boolean(env, 'HERALD_ALLOW_PRIVATE_DESTINATIONS', false);
  const key = encryptionKey(env);
  const smtp = { url: text(env, 'HERALD_SMTP_URL'), from: smtpFrom(env) };
  const otelConfig = otel(env);
  // At most 960 KiB: an event travels whole in Kafka messages, which brokers cap at 1 MiB by default.
  const maxEventBytes = integer(env, 'HERALD_MAX_EVENT_BYTES', 256 * 1024, 1024, 960 * 1024);
  const fetchLingerMs = integer(env, 'HERALD_FETCH_LINGER_MS', 25, 0, 1000);
  const retentionMs = duration(env, 'HERALD_RETENTION', '30d');
  const retentionIntervalMs = duration(env, 'HERALD_RETENTION_INTERVAL', '1m');
  const frameAncestors = consoleFrameAncestors(env);
  return {
    server: { httpPort, grpcPort, metricsPort },
    console: { publicUrl: publicUrl(env), frameAncestors },
    auth: { adminToken, apiKeyRotationGraceMs },
    database: { url: databaseUrl, caFile: databaseCaFile },
    kafka: {
      brokers,
      clientId: kafkaClientId,
      tls,
      sasl,
      topicPartitions,
      topicReplicationFactor,
      fetchLingerMs,
    },
    delivery: {
      retrySchedule,
      timeoutMs,
      autoDisableAfterMs,
      circuitBreaker: { threshold, openMs },
      allowPrivateDestinations,
      smtp,
    },
    secrets: { encryptionKey: key },
    ingest: { maxEventBytes },
    retention: { ms: retentionMs, intervalMs: retentionIntervalMs },
    telemetry: { logLevel, otel: otelConfig },
  };
}
