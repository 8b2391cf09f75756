import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Webhook } from 'standardwebhooks';
import { ApiClient, freePortRun, portIsFree, waitFor, WebhookReceiver } from '@herald/testing';
import { buildConsole } from './support/build-console';

const root = join(__dirname, '..');

/** Parent pid of every process now running, from /proc (Linux). */
function parentPids(): Map<number, number> {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited meanwhile
    }
  }
  return parents;
}

/**
 * The pids of `service` started by this launcher. Other test runs on the machine run the same
 * script, so only the launcher's descendants count.
 */
function servicePids(launcherPid: number, service: string): number[] {
  const parents = parentPids();
  const script = join(root, 'dist', 'apps', service, 'src', 'main.js');
  const descends = (pid: number): boolean => {
    for (let parent = parents.get(pid); parent; parent = parents.get(parent))
      if (parent === launcherPid) return true;
    return false;
  };
  return [...parents.keys()].filter((pid) => {
    try {
      return (
        descends(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(script)
      );
    } catch {
      return false;
    }
  });
}

/**
 * What `npm start` runs after its build step: the launcher compiled to dist/, spawning the three
 * compiled services. Kafka and PostgreSQL are the test run's (the launcher's own broker and
 * database start-up is covered by libs/local-infra's integration spec).
 */
describe('npm start: the compiled launcher and services', () => {
  let launcher: ChildProcess;
  let output = '';
  let receiver: WebhookReceiver;
  let apiPort: number;

  beforeAll(async () => {
    execFileSync(
      process.execPath,
      [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
      {
        cwd: root,
        stdio: 'inherit',
      },
    );
    buildConsole();
    apiPort = await freePortRun(3);
    receiver = await WebhookReceiver.start();
    launcher = spawn(
      process.execPath,
      ['-r', './scripts/register-aliases.js', 'dist/deploy/local/start.js'],
      {
        cwd: root,
        env: {
          ...process.env,
          HERALD_DATA_DIR: mkdtempSync(join(tmpdir(), 'herald-start-')),
          HERALD_HTTP_PORT: String(apiPort),
          HERALD_GRPC_PORT: String(await freePortRun(1)),
          HERALD_ADMIN_TOKEN: undefined,
          HERALD_ENCRYPTION_KEY: process.env.HERALD_TEST_ENCRYPTION_KEY,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    launcher.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    launcher.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(
      'the launcher to print that Herald is ready',
      () => output.includes('Press Ctrl-C'),
      90_000,
      200,
    );
  }, 180_000);

  afterAll(async () => {
    if (launcher.exitCode === null) {
      launcher.kill('SIGINT');
      await new Promise((resolve) => launcher.once('exit', resolve));
    }
    await receiver.stop();
  });

  const printed = (label: string): string => {
    const match = new RegExp(`${label}\\s+(\\S+)`).exec(output);
    if (!match) throw new Error(`launcher did not print ${label}:\n${output}`);
    return match[1];
  };

  it('prints the API, the broker, an operator token and a bootstrap tenant key that work', async () => {
    expect(printed('API')).toBe(`http://127.0.0.1:${apiPort}`);
    expect(printed('Kafka bootstrap')).toBe(process.env.KAFKA_BROKERS);
    const consoleUrl = /console\s+(http:\S+)/.exec(output)?.[1];
    expect(consoleUrl).toBe(`http://127.0.0.1:${apiPort}/console`);
    const consolePage = await fetch(`http://127.0.0.1:${apiPort}/console`);
    expect(consolePage.status).toBe(200);
    expect(consolePage.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(output).toContain('private destinations (localhost, 10.x, 192.168.x) are ALLOWED');
    // Each service's health and metrics are where the launcher says.
    for (const [index, service] of ['subscription-api', 'event-ingest', 'deliverer'].entries()) {
      expect(output).toContain(`${apiPort + index} (${service})`);
      expect((await fetch(`http://127.0.0.1:${apiPort + index}/health/ready`)).status).toBe(200);
      const metrics = await (await fetch(`http://127.0.0.1:${apiPort + index}/metrics`)).text();
      expect(metrics).toContain(`service="${service}"`);
    }

    const tenantId = printed('tenant');
    const client = new ApiClient(`http://127.0.0.1:${apiPort}`, printed('tenant API key'));
    const operator = new ApiClient(`http://127.0.0.1:${apiPort}`, printed('operator token'));
    expect((await operator.request('GET', `/v1/tenants/${tenantId}`)).status).toBe(200);

    const subscription = await client.request<{ id: string; secret: string }>(
      'POST',
      '/v1/subscriptions',
      {
        event_types: ['meter_data.*'],
        destination: { type: 'webhook', url: `${receiver.url}/hooks` },
      },
    );
    expect(subscription.status).toBe(201);

    const kafka = new Kafka({ brokers: [printed('Kafka bootstrap')], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: 'herald.events.inbound',
      messages: [
        {
          value: JSON.stringify({
            tenant_id: tenantId,
            type: 'meter_data.received',
            data: { meter_id: 'm-1' },
          }),
        },
      ],
    });
    await producer.disconnect();

    const request = await waitFor(
      'the webhook from the launched services',
      () => receiver.requests[0],
      30_000,
    );
    const body = new Webhook(subscription.body.secret).verify(request.body, {
      'webhook-id': String(request.headers['webhook-id']),
      'webhook-timestamp': String(request.headers['webhook-timestamp']),
      'webhook-signature': String(request.headers['webhook-signature']),
    });
    expect(body).toMatchObject({
      type: 'meter_data.received',
      subscription_id: subscription.body.id,
      data: { meter_id: 'm-1' },
    });
  });

  it('restarts a service that dies, and the pipeline delivers again', async () => {
    const [ingest, ...others] = servicePids(launcher.pid as number, 'event-ingest');
    expect(ingest).toBeDefined();
    expect(others).toEqual([]);
    process.kill(ingest, 'SIGKILL');

    await waitFor(
      'the launcher to announce the restart',
      () =>
        output.includes(
          '[herald] event-ingest exited (code null, signal SIGKILL); restarting in 1 s (restart 1) — see ',
        ),
      15_000,
    );
    expect(output).toMatch(/restart 1\) — see \S+\/logs\/event-ingest\.log/);
    await waitFor(
      'the launcher to report event-ingest healthy again',
      () => output.includes('[herald] event-ingest is healthy again'),
      90_000,
      200,
    );
    expect(launcher.exitCode).toBeNull();
    const restarted = servicePids(launcher.pid as number, 'event-ingest');
    expect(restarted).toHaveLength(1);
    expect(restarted[0]).not.toBe(ingest);
    expect((await fetch(`http://127.0.0.1:${apiPort + 1}/health/ready`)).status).toBe(200);

    const tenantId = printed('tenant');
    const client = new ApiClient(`http://127.0.0.1:${apiPort}`, printed('tenant API key'));
    const subscription = await client.request<{ id: string }>('POST', '/v1/subscriptions', {
      event_types: ['meter_data.restarted'],
      destination: { type: 'webhook', url: `${receiver.url}/after-restart` },
    });
    expect(subscription.status).toBe(201);
    const producer = new Kafka({
      brokers: [printed('Kafka bootstrap')],
      logLevel: logLevel.NOTHING,
    }).producer();
    await producer.connect();
    await producer.send({
      topic: 'herald.events.inbound',
      messages: [
        {
          value: JSON.stringify({
            tenant_id: tenantId,
            type: 'meter_data.restarted',
            data: { meter_id: 'm-2' },
          }),
        },
      ],
    });
    await producer.disconnect();

    const request = await waitFor(
      'the webhook matched by the restarted event-ingest',
      () => receiver.requests.find((received) => received.path === '/after-restart'),
      90_000,
      200,
    );
    expect(JSON.parse(request.body)).toMatchObject({
      type: 'meter_data.restarted',
      subscription_id: subscription.body.id,
      data: { meter_id: 'm-2' },
    });
    expect(output).not.toContain('stopping…');
  }, 240_000);

  it('stops every service it started on Ctrl-C', async () => {
    launcher.kill('SIGINT');
    const code = await new Promise((resolve) => launcher.once('exit', resolve));
    expect(code).toBe(0);
    for (let port = apiPort; port < apiPort + 4; port++) expect(await portIsFree(port)).toBe(true);
  });
});
