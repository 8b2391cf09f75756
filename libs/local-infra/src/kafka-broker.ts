import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { classDataSharing } from './kafka-cds';
import { ensureKafkaJars, KAFKA_VERSION, kafkaJarsMarker } from './kafka-jars';
import { rotateLog, seconds, tailOf, waitUntilReady } from './log-files';
import { canConnect, findFreePorts, resolvePort } from './ports';
import { checkJava, javaCommand } from './prerequisites';
import { keepRunning, runOnce, type RestartPolicy, type ServerRun } from './keep-running';
import { startSupervised } from './supervised-process';

export interface LocalKafkaOptions {
  /** log.dirs root; created if missing. */
  dataDir: string;
  /** PLAINTEXT port; 0 or undefined = pick a free port on 127.0.0.1. */
  port?: number;
  /** 0 or undefined = pick a free port. */
  controllerPort?: number;
  /** true: wipe dataDir and format anew (tests). false: reuse if already formatted. */
  fresh?: boolean;
  /** Default 512. */
  heapMb?: number;
  log?: (line: string) => void;
  /**
   * Start the broker again whenever it exits, on the same ports and data, until `stop()` or
   * `restart.signal` aborts (see keepRunning). Without it an exit is only logged.
   */
  restart?: RestartPolicy;
  /** Also open TLS listeners (for the tests of Herald's Kafka security settings). */
  secured?: SecuredListeners;
}

/**
 * Listeners beside the PLAINTEXT one, on 127.0.0.1 and free ports: SASL_SSL, whose users can
 * authenticate with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 (the SCRAM credentials are written by
 * Kafka's own storage tool when the storage is formatted, so they need a fresh data dir), and with
 * `clientCaFile` an SSL listener that requires client certificates (mutual TLS).
 */
export interface SecuredListeners {
  /** PEM file: the broker's unencrypted PKCS#8 key, then its certificate chain. */
  keystoreFile: string;
  users: readonly { name: string; password: string }[];
  /** The CA that must have signed the client certificates of the mutual-TLS listener. */
  clientCaFile?: string;
}

export interface LocalKafka {
  /** "127.0.0.1:PORT" */
  brokers: string;
  /** "127.0.0.1:PORT" of the SASL_SSL listener, when `secured` asked for it. */
  saslSslBrokers?: string;
  /** "127.0.0.1:PORT" of the mutual-TLS listener, when `secured` has a client CA. */
  mutualTlsBrokers?: string;
  /** pid of the broker JVM now running (after a restart, the new one). */
  readonly pid: number;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 10_000;

interface KafkaLayout {
  dataDir: string;
  logDirs: string;
  properties: string;
  logFile: string;
}

function layoutOf(dataDir: string): KafkaLayout {
  const root = resolve(dataDir);
  return {
    dataDir: root,
    logDirs: join(root, 'logs'),
    properties: join(root, 'server.properties'),
    logFile: join(root, 'kafka.log'),
  };
}

const SCRAM_MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;

/** Names and passwords go into JAAS and `--add-scram` text unquoted, so they are kept plain. */
function checkUsers(listener: SecuredListeners): void {
  for (const user of listener.users) {
    if (!/^[\w.-]+$/.test(user.name) || !/^[\w.-]+$/.test(user.password))
      throw new Error(`SASL user ${user.name}: names and passwords may hold only [A-Za-z0-9_.-]`);
  }
}

interface SecuredPorts {
  listeners: SecuredListeners;
  saslSsl: number;
  mutualTls?: number;
}

function securedProperties(secured: SecuredPorts): Record<string, string | number | boolean> {
  const listener = secured.listeners;
  const plainUsers = listener.users.map((user) => `user_${user.name}="${user.password}"`).join(' ');
  return {
    'sasl.enabled.mechanisms': ['PLAIN', ...SCRAM_MECHANISMS].join(','),
    'listener.name.sasl_ssl.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required ${plainUsers};`,
    ...Object.fromEntries(
      SCRAM_MECHANISMS.map((mechanism) => [
        `listener.name.sasl_ssl.${mechanism.toLowerCase()}.sasl.jaas.config`,
        'org.apache.kafka.common.security.scram.ScramLoginModule required;',
      ]),
    ),
    'listener.name.sasl_ssl.ssl.keystore.type': 'PEM',
    'listener.name.sasl_ssl.ssl.keystore.location': resolve(listener.keystoreFile),
    ...(listener.clientCaFile
      ? {
          'listener.name.mutual_tls.ssl.keystore.type': 'PEM',
          'listener.name.mutual_tls.ssl.keystore.location': resolve(listener.keystoreFile),
          'listener.name.mutual_tls.ssl.client.auth': 'required',
          'listener.name.mutual_tls.ssl.truststore.type': 'PEM',
          'listener.name.mutual_tls.ssl.truststore.location': resolve(listener.clientCaFile),
        }
      : {}),
  };
}

function serverProperties(
  layout: KafkaLayout,
  port: number,
  controllerPort: number,
  secured?: SecuredPorts,
): string {
  const extra = [
    ...(secured ? [`SASL_SSL://127.0.0.1:${secured.saslSsl}`] : []),
    ...(secured?.mutualTls ? [`MUTUAL_TLS://127.0.0.1:${secured.mutualTls}`] : []),
  ]
    .map((listener) => `,${listener}`)
    .join('');
  const protocols = [
    ...(secured ? [',SASL_SSL:SASL_SSL'] : []),
    ...(secured?.mutualTls ? [',MUTUAL_TLS:SSL'] : []),
  ].join('');
  const settings: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`,
    'controller.listener.names': 'CONTROLLER',
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}${extra}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}${extra}`,
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': `PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT${protocols}`,
    ...(secured ? securedProperties(secured) : {}),
    'log.dirs': layout.logDirs,
    // Topics are created explicitly by the services, as in production.
    'auto.create.topics.enable': false,
    'num.partitions': 1,
    'default.replication.factor': 1,
    'min.insync.replicas': 1,
    'offsets.topic.replication.factor': 1,
    // 50 partitions (the default) make the first consumer group wait for 50 logs to be created.
    'offsets.topic.num.partitions': 4,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 4,
    'group.initial.rebalance.delay.ms': 0,
    // Unfencing waits for a heartbeat, so a short interval shortens startup.
    'broker.heartbeat.interval.ms': 500,
    'num.network.threads': 2,
    'num.io.threads': 4,
    'background.threads': 4,
    'num.recovery.threads.per.data.dir': 1,
    'log.cleaner.threads': 1,
    // The default 128 MiB would take a quarter of a small heap for compacting a few offsets.
    'log.cleaner.dedupe.buffer.size': 16 * 1024 * 1024,
    'log.retention.hours': 72,
    'log.segment.bytes': 64 * 1024 * 1024,
    'log.retention.check.interval.ms': 300_000,
  };
  const lines = Object.entries(settings).map(([key, value]) => `${key}=${String(value)}`);
  return `# Written by @herald/local-infra on every start; edits are overwritten.\n${lines.join('\n')}\n`;
}

/** Kafka's cluster ids are 16 random bytes in URL-safe base64; a leading '-' would read as a CLI flag. */
function newClusterId(): string {
  for (;;) {
    const id = Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function jvmArgs(heapMb: number, libs: string): string[] {
  return [
    `-Xmx${heapMb}m`,
    `-Xms${heapMb}m`,
    '-XX:+UseG1GC',
    // The local broker lives for a dev session or a bench run, and on a small machine its optimising
    // JIT (C2) spent a fifth of a core compiling through the first minutes of load; measured on the
    // 2-core bench, the broker took 0.15 instead of 0.27 cores over a 20,000-event burst and 0.39
    // instead of 0.50 at 1,000 events/s with the quick compiler only. A long-lived production broker
    // is not started here.
    '-XX:TieredStopAtLevel=1',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    '-Dorg.slf4j.simpleLogger.defaultLogLevel=info',
    '-Dorg.slf4j.simpleLogger.showDateTime=true',
    "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSS",
    // Every config object dumps all its values at info; that is most of the log otherwise.
    '-Dorg.slf4j.simpleLogger.log.org.apache.kafka.common.config.AbstractConfig=warn',
    '-Dorg.slf4j.simpleLogger.log.kafka.server.KafkaConfig=warn',
    '-cp',
    join(libs, '*'),
  ];
}

async function formatStorage(
  layout: KafkaLayout,
  libs: string,
  cdsArgs: string[],
  log: (line: string) => void,
  scramUsers: SecuredListeners['users'] = [],
): Promise<void> {
  const started = Date.now();
  const clusterId = newClusterId();
  const format = await startSupervised({
    name: 'Kafka storage format',
    command: javaCommand(),
    args: [
      ...cdsArgs,
      ...jvmArgs(256, libs).filter((a) => a !== '-Xms256m'),
      'kafka.tools.StorageTool',
      'format',
      '-t',
      clusterId,
      '-c',
      layout.properties,
      // KRaft keeps SCRAM credentials in the metadata log; the format writes the first ones.
      ...scramUsers.flatMap((user) =>
        SCRAM_MECHANISMS.flatMap((mechanism) => [
          '--add-scram',
          `${mechanism}=[name=${user.name},password=${user.password}]`,
        ]),
      ),
    ],
    logFile: layout.logFile,
  });
  const exit = await format.exited;
  if (exit.code !== 0) {
    throw new Error(
      `Kafka storage format failed (code ${exit.code}, signal ${exit.signal}); ${layout.logFile} ends with:\n` +
        (await tailOf(layout.logFile)),
    );
  }
  log(`formatted Kafka storage (cluster ${clusterId}) in ${seconds(started)}`);
}

/** Why the broker on `port` does not serve yet, or undefined once it serves metadata. */
async function notReadyBecause(port: number): Promise<string | undefined> {
  if (!(await canConnect(port, 500))) return 'port not open yet';
  const admin = new Kafka({
    clientId: 'herald-local-infra',
    brokers: [`127.0.0.1:${port}`],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 2000,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 ? undefined : 'describeCluster returned no brokers';
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function choosePorts(opts: LocalKafkaOptions): Promise<[number, number]> {
  if (!opts.port && !opts.controllerPort) {
    const [port, controllerPort] = await findFreePorts(2);
    return [port, controllerPort];
  }
  const port = await resolvePort(opts.port, 'Kafka');
  let controllerPort = await resolvePort(opts.controllerPort, 'Kafka controller');
  while (controllerPort === port) controllerPort = await resolvePort(undefined, 'Kafka controller');
  return [port, controllerPort];
}

/**
 * Starts a single-node KRaft broker under supervisor.cjs and waits until it serves metadata.
 * With `fresh: false` the data dir of a previous run is reused (only ports are rewritten).
 */
export async function startLocalKafka(opts: LocalKafkaOptions): Promise<LocalKafka> {
  const log = opts.log ?? (() => undefined);
  const heapMb = opts.heapMb ?? 512;
  const java = await checkJava();
  if (java.problem) throw new Error(java.problem);
  const libs = await ensureKafkaJars(log);
  const cds = await classDataSharing(libs, java.versionText, kafkaJarsMarker());

  // Ports first: a taken port must fail before anything in dataDir is wiped.
  const [port, controllerPort] = await choosePorts(opts);
  let secured: SecuredPorts | undefined;
  if (opts.secured) {
    checkUsers(opts.secured);
    const taken = new Set([port, controllerPort]);
    const [saslSsl, mutualTls] = (await findFreePorts(4)).filter((free) => !taken.has(free));
    secured = {
      listeners: opts.secured,
      saslSsl,
      mutualTls: opts.secured.clientCaFile ? mutualTls : undefined,
    };
  }
  const layout = layoutOf(opts.dataDir);
  if (opts.fresh) await rm(layout.dataDir, { recursive: true, force: true });
  await mkdir(layout.logDirs, { recursive: true });
  await writeFile(layout.properties, serverProperties(layout, port, controllerPort, secured), {
    mode: 0o600,
  });
  await rotateLog(layout.logFile);

  const started = Date.now();
  if (!existsSync(join(layout.logDirs, 'meta.properties')))
    await formatStorage(layout, libs, cds.toolArgs, log, opts.secured?.users);

  log(
    `starting Kafka ${KAFKA_VERSION} on 127.0.0.1:${port} (controller ${controllerPort}, data in ${layout.dataDir})…`,
  );
  // Every run (a restart too) uses the ports and data dir above; the storage is never formatted again.
  let previousSettled: Promise<void> = Promise.resolve();
  const launch = async (): Promise<ServerRun> => {
    // The class-data archive a run records on exit is settled before the next run records its own.
    await previousSettled;
    const server = await startSupervised({
      name: 'Kafka',
      command: javaCommand(),
      args: [...cds.brokerArgs, ...jvmArgs(heapMb, libs), 'kafka.Kafka', layout.properties],
      cwd: layout.dataDir,
      logFile: layout.logFile,
      stopSignal: 'SIGTERM',
      killAfterMs: STOP_TIMEOUT_MS,
    });
    // Losing the class-data archive only costs the next start time, never the stop.
    const settled = server.exited.then((exit) => cds.settle(exit)).catch(() => undefined);
    previousSettled = settled;
    return {
      get pid() {
        return server.pid;
      },
      exited: server.exited,
      isRunning: () => server.isRunning(),
      stop: async () => {
        await server.stop();
        await settled;
      },
    };
  };

  const first = await launch();
  try {
    await waitUntilReady({
      name: 'Kafka',
      server: first,
      logFile: layout.logFile,
      timeoutMs: READY_TIMEOUT_MS,
      notReadyAfter: `did not become ready on 127.0.0.1:${port}`,
      notReadyBecause: () => notReadyBecause(port),
    });
  } catch (err) {
    await first.stop();
    throw err;
  }
  log(
    `Kafka ready on 127.0.0.1:${port} in ${seconds(started)} (pid ${first.pid}, log ${layout.logFile})`,
  );
  const brokers = `127.0.0.1:${port}`;
  const saslSslBrokers = secured ? `127.0.0.1:${secured.saslSsl}` : undefined;
  const mutualTlsBrokers = secured?.mutualTls ? `127.0.0.1:${secured.mutualTls}` : undefined;

  if (opts.restart) {
    const kept = await keepRunning(
      { name: 'kafka', logFile: layout.logFile, start: launch },
      {
        ...opts.restart,
        running: first,
        isReady: async () => (await notReadyBecause(port)) === undefined,
        log,
      },
    );
    return {
      brokers,
      saslSslBrokers,
      mutualTlsBrokers,
      get pid() {
        return kept.pid;
      },
      stop: () => kept.stop(),
    };
  }

  return {
    brokers,
    saslSslBrokers,
    mutualTlsBrokers,
    ...runOnce(first, 'Kafka', layout.logFile, log),
  };
}
