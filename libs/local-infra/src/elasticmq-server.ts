import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { rotateLog, seconds, waitUntilReady } from './log-files';
import { ensureMavenJars, type MavenJars } from './maven-jars';
import { elasticMqPom } from './paths';
import { resolvePort } from './ports';
import { checkJava, javaCommand } from './prerequisites';
import { startSupervised } from './supervised-process';

/** Must match deploy/local/elasticmq/pom.xml; it names the cache directory. */
export const ELASTICMQ_VERSION = '1.6.14';

export interface LocalElasticMqOptions {
  /** Holds the config file and the log; created if missing. Queues live in memory only. */
  dataDir: string;
  /** SQS port; 0 or undefined = pick a free port on 127.0.0.1. */
  port?: number;
  log?: (line: string) => void;
}

export interface LocalElasticMq {
  /** "http://127.0.0.1:PORT", the SQS endpoint; any region and any credentials are accepted. */
  endpoint: string;
  pid: number;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

function elasticMqJars(): MavenJars {
  return {
    name: 'ElasticMQ',
    cacheName: 'elasticmq',
    version: ELASTICMQ_VERSION,
    pom: elasticMqPom(),
    requiredJar: `elasticmq-server_2.13-${ELASTICMQ_VERSION}.jar`,
  };
}

export function ensureElasticMqJars(
  log: (line: string) => void = () => undefined,
): Promise<string> {
  return ensureMavenJars(elasticMqJars(), log);
}

function serverConfig(port: number): string {
  return [
    '# Written by @herald/local-infra on every start; edits are overwritten.',
    'include classpath("application.conf")',
    // Queue URLs are built from node-address, so it must be the address clients reach.
    `node-address { protocol = "http", host = "127.0.0.1", port = ${port}, context-path = "" }`,
    `rest-sqs { enabled = true, bind-port = ${port}, bind-hostname = "127.0.0.1", sqs-limits = strict }`,
    'rest-stats { enabled = false }',
    '',
  ].join('\n');
}

/** Why ElasticMQ does not answer ListQueues yet, or undefined once it does. */
async function notReadyBecause(endpoint: string): Promise<string | undefined> {
  try {
    const response = await fetch(`${endpoint}/?Action=ListQueues`, {
      signal: AbortSignal.timeout(1000),
    });
    return response.ok ? undefined : `ListQueues answered HTTP ${response.status}`;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** Starts an in-memory ElasticMQ (an SQS-compatible server) under supervisor.cjs. */
export async function startLocalElasticMq(opts: LocalElasticMqOptions): Promise<LocalElasticMq> {
  const log = opts.log ?? (() => undefined);
  const java = await checkJava();
  if (java.problem) throw new Error(java.problem);
  const libs = await ensureElasticMqJars(log);

  const port = await resolvePort(opts.port, 'ElasticMQ');
  const dataDir = resolve(opts.dataDir);
  const configFile = join(dataDir, 'elasticmq.conf');
  const logFile = join(dataDir, 'elasticmq.log');
  await mkdir(dataDir, { recursive: true });
  await writeFile(configFile, serverConfig(port));
  await rotateLog(logFile);

  const started = Date.now();
  const endpoint = `http://127.0.0.1:${port}`;
  log(`starting ElasticMQ ${ELASTICMQ_VERSION} at ${endpoint}…`);
  const server = await startSupervised({
    name: 'ElasticMQ',
    command: javaCommand(),
    args: [
      '-Xmx256m',
      // A test fixture that lives for one run: the optimising JIT costs more than it saves.
      '-XX:TieredStopAtLevel=1',
      '-XX:+ExitOnOutOfMemoryError',
      '-Djava.awt.headless=true',
      `-Dconfig.file=${configFile}`,
      '-cp',
      join(libs, '*'),
      'org.elasticmq.server.Main',
    ],
    cwd: dataDir,
    logFile,
    stopSignal: 'SIGTERM',
    killAfterMs: STOP_TIMEOUT_MS,
  });
  try {
    await waitUntilReady({
      name: 'ElasticMQ',
      server,
      logFile,
      timeoutMs: READY_TIMEOUT_MS,
      notReadyAfter: `did not become ready at ${endpoint}`,
      notReadyBecause: () => notReadyBecause(endpoint),
    });
  } catch (err) {
    await server.stop();
    throw err;
  }
  log(`ElasticMQ ready at ${endpoint} in ${seconds(started)} (pid ${server.pid}, log ${logFile})`);

  let stopping = false;
  void server.exited.then((exit) => {
    if (!stopping)
      log(
        `ElasticMQ exited unexpectedly (code ${exit.code}, signal ${exit.signal}); see ${logFile}`,
      );
  });

  return {
    endpoint,
    pid: server.pid,
    stop: async () => {
      stopping = true;
      await server.stop();
    },
  };
}
