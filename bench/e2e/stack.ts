import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { Kafka, logLevel, Partitioners, type Admin, type Producer } from 'kafkajs';
import { Topics } from '@herald/contracts';
// Loaded for its fix of kafkajs's idle 1 ms timer loop (libs/kafka/src/request-queue-fix.ts): the
// bench's own clients must not spin beside the services it measures.
import '@herald/kafka';
import {
  checkPrerequisites,
  findFreePort,
  serviceEnvironment,
  startLocalKafka,
  startLocalPostgres,
  startSupervised,
  type LocalKafka,
  type LocalPostgres,
  type SupervisedProcess,
} from '@herald/local-infra';
import { runMigrations } from '@herald/persistence';

/**
 * Herald as `npm start` runs it, for the benchmark: a local Kafka broker and PostgreSQL (durable,
 * in a data dir of the run) unless KAFKA_BROKERS / DATABASE_URL name existing ones, and the three
 * compiled services, each its own OS process on its own port. The services are started anew for
 * each scenario, after the previous scenario's backlog was deleted from the topics, so one scenario's
 * leftovers cost the next nothing and each service's peak memory is the scenario's own.
 */

export const SERVICES = ['subscription-api', 'event-ingest', 'deliverer'] as const;
export type ServiceName = (typeof SERVICES)[number];

const ROOT = resolve(__dirname, '..', '..', '..');
const ALIASES = join(ROOT, 'scripts', 'register-aliases.js');
const READY_WITHIN_MS = 120_000;
/** Which consumer group reads which topics (topic names starting so), for the lag report. */
const CONSUMERS: readonly { group: string; topics: (topic: string) => boolean }[] = [
  { group: 'herald.event-ingest', topics: (topic) => topic === Topics.eventsInbound.name },
  {
    group: 'herald.deliverer',
    topics: (topic) =>
      topic === Topics.deliveries.name || topic.startsWith(`${Topics.deliveries.name}.retry.`),
  },
];

export interface RunningService {
  name: ServiceName;
  port: number;
  process: SupervisedProcess;
}

export interface StackOptions {
  dataDir: string;
  /** Each service runs under `node --cpu-prof`, one profile per scenario and service, written here. */
  cpuProfileDir: string | null;
  log: (line: string) => void;
}

async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await findFreePort());
  return [...ports];
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export class HeraldStack {
  readonly adminToken = `adm_${randomBytes(24).toString('base64url')}`;
  private readonly encryptionKey = randomBytes(32).toString('base64');
  private services: RunningService[] = [];
  private servicesEverStarted = false;

  private constructor(
    private readonly options: StackOptions,
    readonly brokers: string[],
    readonly databaseUrl: string,
    private readonly kafka: LocalKafka | null,
    private readonly postgres: LocalPostgres | null,
    readonly admin: Admin,
    /** For the probes the scenarios send; the load itself comes from another process. */
    readonly producer: Producer,
  ) {}

  static async start(options: StackOptions): Promise<HeraldStack> {
    mkdirSync(join(options.dataDir, 'logs'), { recursive: true });
    const { log } = options;
    if (!process.env.KAFKA_BROKERS) await checkPrerequisites();
    const started = await Promise.allSettled([
      process.env.KAFKA_BROKERS
        ? null
        : startLocalKafka({ dataDir: join(options.dataDir, 'kafka'), fresh: false, log }),
      process.env.DATABASE_URL
        ? null
        : startLocalPostgres({
            dataDir: join(options.dataDir, 'postgres'),
            fresh: false,
            socket: true,
            log,
          }),
    ]);
    const [kafka, postgres] = started.map((result) =>
      result.status === 'fulfilled' ? result.value : null,
    ) as [LocalKafka | null, LocalPostgres | null];
    const stopInfra = async (): Promise<void> => {
      await Promise.all([kafka?.stop(), postgres?.stop()]);
    };
    const failure = started.find((result) => result.status === 'rejected');
    if (failure) {
      await stopInfra();
      throw failure.reason;
    }
    const brokers = (process.env.KAFKA_BROKERS ?? kafka?.brokers ?? '')
      .split(',')
      .map((broker) => broker.trim())
      .filter(Boolean);
    const databaseUrl = process.env.DATABASE_URL ?? postgres?.url ?? '';
    try {
      await runMigrations(databaseUrl);
      const client = new Kafka({ clientId: 'herald-bench', brokers, logLevel: logLevel.NOTHING });
      const admin = client.admin();
      const producer = client.producer({ allowAutoTopicCreation: false });
      await Promise.all([admin.connect(), producer.connect()]);
      return new HeraldStack(options, brokers, databaseUrl, kafka, postgres, admin, producer);
    } catch (error) {
      await stopInfra();
      throw error;
    }
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.service('subscription-api').port}`;
  }

  /** The pids whose memory and CPU the scenarios report. */
  pids(): Record<string, number> {
    const pids: Record<string, number> = {};
    for (const service of this.services) pids[service.name] = service.process.pid;
    if (this.kafka) pids.kafka = this.kafka.pid;
    if (this.postgres) pids.postgres = this.postgres.pid;
    return pids;
  }

  service(name: ServiceName): RunningService {
    const found = this.services.find((service) => service.name === name);
    if (!found) throw new Error(`${name} is not running`);
    return found;
  }

  /**
   * Stops the services, deletes every record left on Herald's topics (all but the subscription
   * changelog), and starts the services again; `label` names their CPU profiles, `settings` are
   * settings of the scenario's own (environment variables).
   */
  async restartServices(label: string, settings: Record<string, string> = {}): Promise<void> {
    await this.stopServices();
    if (this.servicesEverStarted) await this.purgeTopics();
    this.servicesEverStarted = true;
    const ports = await freePorts(SERVICES.length);
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith('OTEL_')),
    );
    const env = {
      ...inherited,
      KAFKA_BROKERS: this.brokers.join(','),
      DATABASE_URL: this.databaseUrl,
      HERALD_ADMIN_TOKEN: this.adminToken,
      HERALD_ENCRYPTION_KEY: this.encryptionKey,
      HERALD_ALLOW_PRIVATE_DESTINATIONS: 'true',
      HERALD_GRPC_PORT: '0',
      ...settings,
    };
    this.services = await Promise.all(
      SERVICES.map(async (name, index) => ({
        name,
        port: ports[index],
        process: await startSupervised({
          name,
          command: process.execPath,
          args: [
            ...this.profileArgs(label, name),
            '-r',
            ALIASES,
            join(ROOT, 'dist', 'apps', name, 'src', 'main.js'),
          ],
          env: {
            ...env,
            ...serviceEnvironment(process.env, name),
            HERALD_HTTP_PORT: String(ports[index]),
            HERALD_BENCH_ALLOC_NAME: `${label}.${name}`,
          },
          logFile: this.logFile(name),
          killAfterMs: 20_000,
        }),
      })),
    );
    await Promise.all(this.services.map((service) => this.untilReady(service)));
  }

  async stopServices(): Promise<void> {
    await Promise.all(this.services.map((service) => service.process.stop()));
    this.services = [];
  }

  /** Services that are no longer running, with the end of their log. */
  exitedServices(): string[] {
    return this.services
      .filter((service) => !service.process.isRunning())
      .map((service) => `${service.name} exited:\n${tail(this.logFile(service.name))}`);
  }

  async metrics(name: ServiceName): Promise<string> {
    const response = await fetch(`http://127.0.0.1:${this.service(name).port}/metrics`, {
      signal: AbortSignal.timeout(10_000),
    });
    return response.text();
  }

  /** A tenant's history rows (events, deliveries, attempts) now: what retention has left of it. */
  async historyRows(
    tenantId: string,
  ): Promise<{ events: number; deliveries: number; attempts: number }> {
    const client = new Client({ connectionString: this.databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<Record<'events' | 'deliveries' | 'attempts', string>>(
        `SELECT (SELECT count(*) FROM events WHERE tenant_id = $1)::text AS events,
                (SELECT count(*) FROM deliveries WHERE tenant_id = $1)::text AS deliveries,
                (SELECT count(*) FROM attempts WHERE tenant_id = $1)::text AS attempts`,
        [tenantId],
      );
      return {
        events: Number(rows[0].events),
        deliveries: Number(rows[0].deliveries),
        attempts: Number(rows[0].attempts),
      };
    } finally {
      await client.end();
    }
  }

  /**
   * PostgreSQL's write counters so far: WAL bytes written and transactions committed (cluster-wide;
   * the bench is the database's only user).
   */
  async postgresWrites(): Promise<{ walBytes: number; commits: number }> {
    const client = new Client({ connectionString: this.databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ wal_bytes: string; commits: string }>(
        `SELECT (SELECT wal_bytes FROM pg_stat_wal)::text AS wal_bytes,
                (SELECT sum(xact_commit) FROM pg_stat_database)::text AS commits`,
      );
      return { walBytes: Number(rows[0].wal_bytes), commits: Number(rows[0].commits) };
    } finally {
      await client.end();
    }
  }

  /** Messages not yet consumed by Herald's consumer groups, by topic (non-zero ones only). */
  async lag(): Promise<Record<string, number>> {
    const topics = await this.admin.listTopics();
    const lag: Record<string, number> = {};
    for (const { group, topics: reads } of CONSUMERS) {
      const read = topics.filter(reads);
      if (read.length === 0) continue;
      const committed = await this.admin.fetchOffsets({ groupId: group, topics: read });
      for (const { topic, partitions } of committed) {
        const ends = await this.admin.fetchTopicOffsets(topic);
        let behind = 0;
        for (const end of ends) {
          const offset = Number(partitions.find((p) => p.partition === end.partition)?.offset);
          const from = offset >= 0 ? Math.max(offset, Number(end.low)) : Number(end.low);
          behind += Math.max(0, Number(end.high) - from);
        }
        if (behind > 0) lag[topic] = behind;
      }
    }
    return lag;
  }

  /** The partition of herald.deliveries a subscription's deliveries go to (they are keyed by its id). */
  async deliveriesPartition(subscriptionId: string): Promise<number> {
    const metadata = await this.admin.fetchTopicMetadata({ topics: [Topics.deliveries.name] });
    const partitioner = Partitioners.DefaultPartitioner();
    return partitioner({
      topic: Topics.deliveries.name,
      partitionMetadata: metadata.topics[0].partitions,
      message: { key: subscriptionId, value: null },
    });
  }

  async stop(keepData: boolean): Promise<void> {
    await this.stopServices().catch(() => undefined);
    await Promise.all([this.admin.disconnect(), this.producer.disconnect()]).catch(() => undefined);
    await Promise.all([this.kafka?.stop(), this.postgres?.stop()]);
    if (!keepData) rmSync(this.options.dataDir, { recursive: true, force: true });
  }

  private logFile(name: ServiceName): string {
    return join(this.options.dataDir, 'logs', `${name}.log`);
  }

  private profileArgs(label: string, name: ServiceName): string[] {
    const allocations = process.env.HERALD_BENCH_ALLOC_PROF
      ? ['-r', join(__dirname, 'allocation-profile.js')]
      : [];
    const dir = this.options.cpuProfileDir;
    if (!dir) return allocations;
    return [
      ...allocations,
      '--cpu-prof',
      `--cpu-prof-dir=${dir}`,
      `--cpu-prof-name=${label}.${name}.cpuprofile`,
      '-r',
      join(__dirname, 'profile-exit.js'),
    ];
  }

  private async untilReady(service: RunningService): Promise<void> {
    const deadline = Date.now() + READY_WITHIN_MS;
    while (Date.now() < deadline) {
      if (!service.process.isRunning()) {
        throw new Error(`${service.name} exited on start:\n${tail(this.logFile(service.name))}`);
      }
      try {
        const response = await fetch(`http://127.0.0.1:${service.port}/health/ready`, {
          signal: AbortSignal.timeout(2_000),
        });
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((done) => setTimeout(done, 250));
    }
    throw new Error(
      `${service.name} was not ready within ${READY_WITHIN_MS / 1000} s:\n${tail(this.logFile(service.name))}`,
    );
  }

  /** Deletes what is left on every topic but the compacted changelog (event-ingest's subscription index needs it). */
  private async purgeTopics(): Promise<void> {
    const topics = (await this.admin.listTopics()).filter(
      (topic) => topic.startsWith('herald.') && topic !== Topics.subscriptionsChangelog.name,
    );
    for (const topic of topics) {
      const offsets = await this.admin.fetchTopicOffsets(topic);
      const partitions = offsets
        .filter((offset) => Number(offset.high) > Number(offset.low))
        .map((offset) => ({ partition: offset.partition, offset: '-1' }));
      if (partitions.length > 0) await this.admin.deleteTopicRecords({ topic, partitions });
    }
  }
}
