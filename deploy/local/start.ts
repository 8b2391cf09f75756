import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { loadConfig, type HeraldConfig } from '@herald/config';
import {
  checkPrerequisites,
  keepRunning,
  serviceEnvironment,
  startLocalKafka,
  startLocalPostgres,
  supervisedServer,
} from '@herald/local-infra';
import { dataSourceOptions, runMigrations, TenantsRepository } from '@herald/persistence';
import { loadLocalSettings, saveLocalSettings, type LocalSettings } from './local-settings';

const root = resolve(__dirname, '..', '..', '..');
const dataDir = resolve(process.env.HERALD_DATA_DIR ?? join(root, '.herald'));
const SERVICES = ['subscription-api', 'event-ingest', 'deliverer'] as const;

const say = (line: string): void => void process.stdout.write(`[herald] ${line}\n`);

async function ensureBootstrapTenant(
  config: HeraldConfig,
  settings: LocalSettings,
  file: string,
): Promise<void> {
  const db = new DataSource(dataSourceOptions(config.database.url, config.database.caFile));
  await db.initialize();
  try {
    const tenants = new TenantsRepository(db);
    if (settings.tenantId && settings.apiKey && (await tenants.tenantForApiKey(settings.apiKey)))
      return;
    const tenant = await tenants.create('local');
    const { key } = await tenants.createApiKey(tenant.id, 'bootstrap');
    settings.tenantId = tenant.id;
    settings.apiKey = key;
    saveLocalSettings(file, settings);
  } finally {
    await db.destroy();
  }
}

async function answersOk(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2_000) })).ok;
  } catch {
    return false; // not listening yet
  }
}

async function waitForHealth(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await answersOk(url)) return;
    await new Promise((done) => setTimeout(done, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
}

/**
 * The broker and the database `npm start` runs itself speak plain TCP on loopback: security settings
 * make sense only for your own (KAFKA_BROKERS, DATABASE_URL), and are refused otherwise rather than
 * left to fail in three services.
 */
function securityWithoutOwnServers(env: NodeJS.ProcessEnv): string | undefined {
  const kafkaSetting = Object.keys(env).find(
    (name) => /^HERALD_KAFKA_(TLS|SASL_)/.test(name) && (env[name] ?? '').trim() !== '',
  );
  if (kafkaSetting && !env.KAFKA_BROKERS)
    return `${kafkaSetting} is set but KAFKA_BROKERS is not: the local broker speaks plain TCP; point KAFKA_BROKERS at your secured brokers`;
  if ((env.HERALD_DATABASE_CA_FILE ?? '').trim() !== '' && !env.DATABASE_URL)
    return 'HERALD_DATABASE_CA_FILE is set but DATABASE_URL is not: the embedded PostgreSQL speaks plain TCP';
  return undefined;
}

/** How the services reach Kafka, for the summary: never the password. */
function kafkaSecurity(config: HeraldConfig): string {
  const parts = [
    ...(config.kafka.tls ? ['TLS'] : []),
    ...(config.kafka.sasl
      ? [`SASL ${config.kafka.sasl.mechanism.toUpperCase()} as ${config.kafka.sasl.username}`]
      : []),
  ];
  return parts.length > 0 ? `, ${parts.join(', ')}` : '';
}

async function main(): Promise<void> {
  const started = Date.now();
  mkdirSync(join(dataDir, 'logs'), { recursive: true });
  const settingsFile = join(dataDir, 'local.json');
  const settings = loadLocalSettings(settingsFile, process.env);
  const stops: (() => Promise<void>)[] = [];
  // Aborted first thing on the way out: while the services stop, a dying broker stays down.
  const noMoreRestarts = new AbortController();
  let stopping = false;
  const shutdown = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    noMoreRestarts.abort();
    say('stopping…');
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    const log = (line: string): void => say(line);
    // Kafka, PostgreSQL and the services that exit are restarted (with a backoff) until Ctrl-C;
    // see keepRunning. The services reconnect to a restarted broker or database by themselves.
    const restart = { signal: noMoreRestarts.signal };
    const refused = securityWithoutOwnServers(process.env);
    if (refused) throw new Error(refused);
    if (!process.env.KAFKA_BROKERS) await checkPrerequisites();
    const [kafka, postgres] = await Promise.all([
      process.env.KAFKA_BROKERS
        ? null
        : startLocalKafka({
            dataDir: join(dataDir, 'kafka'),
            port: 9092,
            controllerPort: 9093,
            fresh: false,
            log,
            restart,
          }),
      process.env.DATABASE_URL
        ? null
        : startLocalPostgres({
            dataDir: join(dataDir, 'postgres'),
            port: Number(process.env.HERALD_LOCAL_POSTGRES_PORT ?? 54329),
            fresh: false,
            socket: true,
            log,
            restart,
          }),
    ]);
    if (kafka) stops.push(() => kafka.stop());
    if (postgres) stops.push(() => postgres.stop());
    const brokers = process.env.KAFKA_BROKERS ?? (kafka as { brokers: string }).brokers;
    const databaseUrl = process.env.DATABASE_URL ?? (postgres as { url: string }).url;

    const apiPort = Number(process.env.HERALD_HTTP_PORT ?? 3000);
    // The services inherit everything else, the Kafka TLS/SASL and database CA settings included.
    const env = {
      ...process.env,
      KAFKA_BROKERS: brokers,
      DATABASE_URL: databaseUrl,
      HERALD_ADMIN_TOKEN: settings.adminToken,
      HERALD_ENCRYPTION_KEY: settings.encryptionKey,
      HERALD_ALLOW_PRIVATE_DESTINATIONS: process.env.HERALD_ALLOW_PRIVATE_DESTINATIONS ?? 'true',
    };
    // Validate once here so a bad setting is reported before three services fail on it.
    const config = loadConfig({ ...env, HERALD_HTTP_PORT: String(apiPort) });

    const applied = await runMigrations(databaseUrl, config.database.caFile);
    if (applied.length > 0) say(`applied migrations: ${applied.join(', ')}`);
    await ensureBootstrapTenant(config, settings, settingsFile);

    const services = await Promise.all(
      SERVICES.map((service, index) =>
        keepRunning(
          supervisedServer({
            name: service,
            command: process.execPath,
            args: [
              '-r',
              join(root, 'scripts', 'register-aliases.js'),
              join(root, 'dist', 'apps', service, 'src', 'main.js'),
            ],
            env: {
              ...env,
              ...serviceEnvironment(process.env, service),
              HERALD_HTTP_PORT: String(apiPort + index),
            },
            logFile: join(dataDir, 'logs', `${service}.log`),
          }),
          {
            ...restart,
            log,
            isReady: () => answersOk(`http://127.0.0.1:${apiPort + index}/health/ready`),
          },
        ),
      ),
    );
    // Services stop before the infrastructure they use (stops run in reverse).
    stops.push(() => Promise.all(services.map((service) => service.stop())).then(() => undefined));
    await Promise.all(
      SERVICES.map((_, index) =>
        waitForHealth(`http://127.0.0.1:${apiPort + index}/health`, 60_000),
      ),
    );

    const lines = [
      `Herald is ready in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      `  API              http://127.0.0.1:${apiPort}   (docs: /docs, OpenAPI: /openapi.json)`,
      `  console          http://127.0.0.1:${apiPort}/console   (sign in with an API key)`,
      `  gRPC             127.0.0.1:${process.env.HERALD_GRPC_PORT ?? 50051}   (herald.admin.v1.AdminService, reflection on)`,
      `  Kafka bootstrap  ${brokers}   (publish events to herald.events.inbound${kafkaSecurity(config)})`,
      `  PostgreSQL       ${databaseUrl.replace(/:[^:@/]+@/, ':****@')}`,
      `  operator token   ${settings.adminToken}`,
      `  tenant           ${settings.tenantId}`,
      `  tenant API key   ${settings.apiKey}`,
      `  health, metrics  /health/live, /health/ready, /metrics on ports ${SERVICES.map((service, index) => `${apiPort + index} (${service})`).join(', ')}`,
      `  data and logs    ${dataDir}  (tail -f ${join(dataDir, 'logs')}/*.log)`,
      env.HERALD_ALLOW_PRIVATE_DESTINATIONS === 'true'
        ? '  local mode: private destinations (localhost, 10.x, 192.168.x) are ALLOWED'
        : '  private destinations are refused',
      'Press Ctrl-C to stop.',
    ];
    lines.forEach(say);
  } catch (error) {
    say(`failed to start: ${error instanceof Error ? error.message : String(error)}`);
    await shutdown(1);
  }
}

void main();
