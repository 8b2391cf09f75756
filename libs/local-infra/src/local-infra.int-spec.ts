import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { Client } from 'pg';
import { existsSync, readFileSync, statSync } from 'node:fs';
import {
  checkPrerequisites,
  findFreePort,
  keepRunning,
  startLocalKafka,
  startLocalPostgres,
  startSupervised,
  supervisedServer,
} from './index';

const SLOW = 180_000;

/** Running, as opposed to gone or a zombie (exited, waiting for init to reap it). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (isAlive(pid)) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`pid ${pid} still alive after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - started;
}

async function waitUntil(what: string, done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Starts owner.cjs and resolves with the JSON line it prints once its servers run. */
function startOwner(
  args: string[],
  options: { detached?: boolean } = {},
): Promise<{ owner: ChildProcess; pids: Record<string, number> }> {
  const owner = spawn(process.execPath, [join(__dirname, '__fixtures__', 'owner.cjs'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  let stderr = '';
  owner.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolveOwner, reject) => {
    createInterface({ input: owner.stdout }).once('line', (line) =>
      resolveOwner({ owner, pids: JSON.parse(line) as Record<string, number> }),
    );
    owner.once('exit', (code) => reject(new Error(`owner exited early (code ${code}): ${stderr}`)));
  });
}

describe('local infrastructure', () => {
  let root: string;
  const log = (line: string): void => {
    if (process.env.HERALD_TEST_VERBOSE) process.stderr.write(`[local-infra] ${line}\n`);
  };
  /** A log that also keeps its lines, for the restart reports. */
  const recorder = (): { lines: string[]; log: (line: string) => void } => {
    const lines: string[] = [];
    return {
      lines,
      log: (line) => {
        lines.push(line);
        log(line);
      },
    };
  };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'herald-local-infra-'));
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('finds the tools it needs on this machine', async () => {
    await expect(checkPrerequisites()).resolves.toBeUndefined();
  });

  it('hands out distinct usable ports', async () => {
    const port = await findFreePort();
    expect(port).toBeGreaterThan(0);
    const server: Server = createServer();
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    server.close();
  });

  describe('Kafka', () => {
    it(
      'runs a fresh broker that produces and consumes, then stops it completely',
      async () => {
        const kafka = await startLocalKafka({ dataDir: join(root, 'kafka'), fresh: true, log });
        expect(kafka.brokers).toMatch(/^127\.0\.0\.1:\d+$/);
        try {
          // NOTHING: the first group join logs a retried "coordinator not available" while __consumer_offsets is created.
          const client = new Kafka({
            clientId: 'local-infra-spec',
            brokers: [kafka.brokers],
            logLevel: logLevel.NOTHING,
          });
          const admin = client.admin();
          await admin.connect();
          await admin.createTopics({
            topics: [{ topic: 'spec.ping', numPartitions: 1 }],
            waitForLeaders: true,
          });
          await admin.disconnect();

          const producer = client.producer({ createPartitioner: Partitioners.DefaultPartitioner });
          await producer.connect();
          await producer.send({ topic: 'spec.ping', messages: [{ key: 'k', value: 'hello' }] });
          await producer.disconnect();

          const consumer = client.consumer({ groupId: 'local-infra-spec' });
          await consumer.connect();
          await consumer.subscribe({ topic: 'spec.ping', fromBeginning: true });
          const received = new Promise<string>((resolveMessage) => {
            void consumer.run({
              eachMessage: ({ message }) => {
                resolveMessage(message.value?.toString() ?? '');
                return Promise.resolve();
              },
            });
          });
          await expect(received).resolves.toBe('hello');
          await consumer.disconnect();
        } finally {
          await kafka.stop();
        }
        expect(isAlive(kafka.pid)).toBe(false);
        await kafka.stop(); // idempotent
      },
      SLOW,
    );

    it(
      'keeps topics when restarted with fresh=false on other ports',
      async () => {
        const dataDir = join(root, 'kafka-kept');
        const first = await startLocalKafka({ dataDir, fresh: true, log });
        try {
          const admin = new Kafka({ brokers: [first.brokers], logLevel: logLevel.NOTHING }).admin();
          await admin.connect();
          await admin.createTopics({ topics: [{ topic: 'spec.kept' }], waitForLeaders: true });
          await admin.disconnect();
        } finally {
          await first.stop();
        }

        const second = await startLocalKafka({ dataDir, fresh: false, log });
        try {
          expect(second.brokers).not.toBe(first.brokers);
          const admin = new Kafka({
            brokers: [second.brokers],
            logLevel: logLevel.NOTHING,
          }).admin();
          await admin.connect();
          expect(await admin.listTopics()).toContain('spec.kept');
          await admin.disconnect();
        } finally {
          await second.stop();
        }
        expect(isAlive(second.pid)).toBe(false);
      },
      SLOW,
    );

    it(
      'restarts a broker killed with SIGKILL on the same port, with its topic and message',
      async () => {
        const dataDir = join(root, 'kafka-restarted');
        const { lines, log: record } = recorder();
        const kafka = await startLocalKafka({ dataDir, fresh: false, log: record, restart: {} });
        try {
          const client = new Kafka({
            clientId: 'local-infra-restart-spec',
            brokers: [kafka.brokers],
            logLevel: logLevel.NOTHING,
          });
          const admin = client.admin();
          await admin.connect();
          await admin.createTopics({ topics: [{ topic: 'spec.survivor' }], waitForLeaders: true });
          await admin.disconnect();
          const producer = client.producer({ createPartitioner: Partitioners.DefaultPartitioner });
          await producer.connect();
          await producer.send({
            topic: 'spec.survivor',
            messages: [{ key: 'k', value: 'sent before the crash' }],
          });
          await producer.disconnect();

          const killed = kafka.pid;
          process.kill(killed, 'SIGKILL');
          await waitUntil(
            'kafka to be healthy again',
            () => lines.some((line) => line.startsWith('kafka is healthy again')),
            90_000,
          );
          expect(lines).toContain(
            `kafka exited (code null, signal SIGKILL); restarting in 1 s (restart 1) — see ${join(dataDir, 'kafka.log')}`,
          );
          expect(lines).toContain(`kafka is healthy again (pid ${kafka.pid}, restart 1)`);
          expect(kafka.pid).not.toBe(killed);
          expect(isAlive(killed)).toBe(false);

          const consumer = client.consumer({ groupId: 'local-infra-restart-spec' });
          await consumer.connect();
          await consumer.subscribe({ topic: 'spec.survivor', fromBeginning: true });
          const received = new Promise<string>((resolveMessage) => {
            void consumer.run({
              eachMessage: ({ message }) => {
                resolveMessage(message.value?.toString() ?? '');
                return Promise.resolve();
              },
            });
          });
          await expect(received).resolves.toBe('sent before the crash');
          await consumer.disconnect();
        } finally {
          await kafka.stop();
        }
        expect(isAlive(kafka.pid)).toBe(false);
      },
      SLOW,
    );

    it('refuses a fixed port that is taken, naming it', async () => {
      const port = await findFreePort();
      const blocker = createServer();
      await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', r));
      try {
        await expect(
          startLocalKafka({ dataDir: join(root, 'kafka-blocked'), port, fresh: true }),
        ).rejects.toThrow(new RegExp(`port ${port} .*already in use`));
      } finally {
        blocker.close();
      }
    });
  });

  describe('PostgreSQL', () => {
    it(
      'runs a fresh server that answers, then stops it completely',
      async () => {
        const postgres = await startLocalPostgres({
          dataDir: join(root, 'postgres'),
          fresh: true,
          log,
        });
        try {
          expect(postgres.url).toMatch(/^postgres:\/\/herald:herald@127\.0\.0\.1:\d+\/herald$/);
          await expect(query<{ one: number }>(postgres.url, 'select 1 as one')).resolves.toEqual([
            { one: 1 },
          ]);
        } finally {
          await postgres.stop();
        }
        expect(isAlive(postgres.pid)).toBe(false);
      },
      SLOW,
    );

    it(
      'keeps data when restarted with fresh=false',
      async () => {
        const dataDir = join(root, 'postgres-kept');
        const first = await startLocalPostgres({ dataDir, fresh: true, log });
        try {
          await query(
            first.url,
            "create table kept (name text); insert into kept values ('still here')",
          );
        } finally {
          await first.stop();
        }
        const second = await startLocalPostgres({ dataDir, fresh: false, log });
        try {
          await expect(
            query<{ name: string }>(second.url, 'select name from kept'),
          ).resolves.toEqual([{ name: 'still here' }]);
        } finally {
          await second.stop();
        }
        expect(isAlive(second.pid)).toBe(false);
      },
      SLOW,
    );

    it(
      'restarts a server killed with SIGKILL on the same port, with its data',
      async () => {
        const dataDir = join(root, 'postgres-restarted');
        const { lines, log: record } = recorder();
        const postgres = await startLocalPostgres({
          dataDir,
          fresh: false,
          log: record,
          restart: {},
        });
        try {
          await query(
            postgres.url,
            "create table survivor (name text); insert into survivor values ('committed before the crash')",
          );
          const killed = postgres.pid;
          process.kill(killed, 'SIGKILL');
          await waitUntil(
            'postgres to be healthy again',
            () => lines.some((line) => line.startsWith('postgres is healthy again')),
            60_000,
          );
          expect(lines).toContain(
            `postgres exited (code null, signal SIGKILL); restarting in 1 s (restart 1) — see ${join(dataDir, 'postgres.log')}`,
          );
          expect(lines).toContain(`postgres is healthy again (pid ${postgres.pid}, restart 1)`);
          expect(postgres.pid).not.toBe(killed);
          expect(isAlive(killed)).toBe(false);
          await expect(
            query<{ name: string }>(postgres.url, 'select name from survivor'),
          ).resolves.toEqual([{ name: 'committed before the crash' }]);
        } finally {
          await postgres.stop();
        }
        expect(isAlive(postgres.pid)).toBe(false);
      },
      SLOW,
    );

    it(
      'with a socket, gives its url through a directory only the server can enter, and removes it on stop',
      async () => {
        const postgres = await startLocalPostgres({
          dataDir: join(root, 'postgres-socket'),
          fresh: true,
          socket: true,
          log,
        });
        const socketDir = new URL(postgres.url).searchParams.get('host') ?? '';
        try {
          expect(socketDir).toMatch(/herald-pg-/);
          expect(statSync(socketDir).mode & 0o777).toBe(0o700);
          // A Unix-socket client has no address; the TCP url still answers beside it.
          await expect(
            query<{ addr: string | null }>(postgres.url, 'select inet_client_addr() as addr'),
          ).resolves.toEqual([{ addr: null }]);
          await expect(
            query<{ addr: string | null }>(postgres.tcpUrl, 'select inet_client_addr() as addr'),
          ).resolves.toEqual([{ addr: '127.0.0.1' }]);
        } finally {
          await postgres.stop();
        }
        expect(existsSync(socketDir)).toBe(false);
      },
      SLOW,
    );

    it('rejects a wrong password (host connections are not trusted)', async () => {
      const postgres = await startLocalPostgres({
        dataDir: join(root, 'postgres-auth'),
        fresh: true,
        log,
      });
      try {
        await expect(
          query(postgres.url.replace('herald:herald@', 'herald:wrong@'), 'select 1'),
        ).rejects.toThrow(/password authentication failed/);
      } finally {
        await postgres.stop();
      }
    });
  });

  describe('keepRunning', () => {
    const quickly = { firstDelayMs: 50, maxDelayMs: 50, stableAfterMs: 60_000 };
    const sleeper = supervisedServer({ name: 'sleeper', command: 'sleep', args: ['300'] });

    it('starts a server killed with SIGKILL again and reports it healthy', async () => {
      const { lines, log: record } = recorder();
      const kept = await keepRunning(sleeper, {
        backoff: quickly,
        log: record,
        isReady: () => Promise.resolve(true),
      });
      try {
        const killed = kept.pid;
        process.kill(killed, 'SIGKILL');
        await waitUntil('a second run', () => lines.length >= 2, 5_000);
        expect(lines).toEqual([
          'sleeper exited (code null, signal SIGKILL); restarting in 0.05 s (restart 1)',
          `sleeper is healthy again (pid ${kept.pid}, restart 1)`,
        ]);
        expect(isAlive(kept.pid)).toBe(true);
      } finally {
        await kept.stop();
      }
      expect(isAlive(kept.pid)).toBe(false);
    });

    it('starts nothing again once its signal is aborted or it is stopped', async () => {
      const { lines, log: record } = recorder();
      const shuttingDown = new AbortController();
      const kept = await keepRunning(sleeper, {
        backoff: quickly,
        signal: shuttingDown.signal,
        log: record,
        isReady: () => Promise.resolve(true),
      });
      const killed = kept.pid;
      shuttingDown.abort();
      process.kill(killed, 'SIGKILL');
      await waitForExit(killed, 5_000);
      await new Promise((r) => setTimeout(r, 500));
      expect(kept.pid).toBe(killed);
      await kept.stop();
      expect(lines).toEqual([]);
    });
  });

  describe('no orphans', () => {
    it('stops the supervised server when its owner is SIGKILLed', async () => {
      const { owner, pids } = await startOwner(['sleep']);
      expect(isAlive(pids.server)).toBe(true);
      owner.kill('SIGKILL');
      await waitForExit(pids.server, 5_000);
      await waitForExit(pids.supervisor, 5_000);
    });

    it('stops the supervised server on Ctrl-C in the owner terminal (SIGINT to the process group)', async () => {
      const { owner, pids } = await startOwner(['sleep'], { detached: true });
      process.kill(-owner.pid!, 'SIGINT');
      await waitForExit(pids.server, 5_000);
    });

    it('lets an owner that survives Ctrl-C stop things itself, but not forever', async () => {
      const { owner, pids } = await startOwner(['sleep-hung'], { detached: true });
      try {
        process.kill(-owner.pid!, 'SIGINT');
        await new Promise((r) => setTimeout(r, 1_000));
        expect(isAlive(pids.server)).toBe(true);
        await waitForExit(pids.server, 10_000);
      } finally {
        owner.kill('SIGKILL');
      }
    });

    it('stops the server from the owner when the supervisor itself is SIGKILLed', async () => {
      const server = await startSupervised({
        name: 'sleep',
        command: 'sleep',
        args: ['300'],
        killAfterMs: 2_000,
      });
      const stat = readFileSync(`/proc/${server.pid}/stat`, 'utf8');
      const supervisorPid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      expect(supervisorPid).not.toBe(process.pid);
      process.kill(supervisorPid, 'SIGKILL');
      await server.exited;
      expect(isAlive(server.pid)).toBe(false);
    });

    it(
      'stops real Kafka and PostgreSQL when the process that started them is SIGKILLed',
      async () => {
        const { owner, pids } = await startOwner(['library', join(root, 'orphans')]);
        expect(isAlive(pids.kafka)).toBe(true);
        expect(isAlive(pids.postgres)).toBe(true);
        owner.kill('SIGKILL');
        await Promise.all([waitForExit(pids.kafka, 15_000), waitForExit(pids.postgres, 15_000)]);
      },
      SLOW,
    );
  });
});
