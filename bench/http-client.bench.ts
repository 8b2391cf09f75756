import { fork, type ChildProcess } from 'node:child_process';
import { Agent as HttpAgent, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import axios from 'axios';
import { Agent, request } from 'undici';
import { generateSigningSecret, signatureHeaders } from '@herald/domain';

/**
 * undici against axios for what the webhook sender does all day: small signed JSON POSTs over
 * keep-alive connections (`npm run bench`). The receiver (node:http, keep-alive) runs in its own
 * process, and each client run in another fresh one, so neither shares a CPU queue or a heap with
 * the receiver, and one client's garbage does not count against the next.
 */

const CLIENTS = ['undici', 'axios'] as const;
type ClientName = (typeof CLIENTS)[number];

const WARM_UP = 1_000;
const SEQUENTIAL = 3_000;
const CONCURRENT = 6_000;
const CONCURRENCY = [16, 64];
const ROUNDS = Number(process.env.HERALD_BENCH_ROUNDS ?? 3);
const TIMEOUT_MS = 10_000;
const EXCERPT_BYTES = 4096;

interface Phase {
  name: string;
  requests: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

interface ClientReport {
  client: ClientName;
  phases: Phase[];
  heapGrowthBytes: number;
  rssGrowthBytes: number;
  peakRssBytes: number;
}

/** Answers every signed POST with 200 `ok` once the body has been read; refuses unsigned ones. */
function runReceiver(): void {
  const server = createServer((req, res) => {
    let size = 0;
    req.on('data', (chunk: Buffer) => (size += chunk.length));
    req.on('end', () => {
      const signed =
        req.headers['webhook-id'] &&
        req.headers['webhook-timestamp'] &&
        req.headers['webhook-signature'];
      res.writeHead(signed && size > 0 ? 200 : 400, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    process.send?.({ port: (server.address() as AddressInfo).port });
  });
  process.on('disconnect', () => server.close(() => process.exit(0)));
}

/** An event body of about 500 bytes, as a meter reading or a project change would be. */
function payload(i: number): string {
  return JSON.stringify({
    id: `evt_01jbench${String(i).padStart(10, '0')}`,
    type: 'meter_data.received',
    occurred_at: '2026-01-01T00:00:00.000Z',
    subject: `node/${i % 50}/source/site-${i % 7}/inv-${i % 3}`,
    tenant_id: 'ten_01jbenchmark0000000000',
    data: {
      meter_id: `m-${i % 1000}`,
      site: { id: `site-${i % 7}`, name: 'Riverside community solar', timezone: 'Europe/London' },
      readings: Array.from({ length: 4 }, (_, k) => ({
        at: `2026-01-01T00:${String(k * 5).padStart(2, '0')}:00Z`,
        watts: 1200 + ((i * 7 + k) % 400),
        wh: 100 + k,
      })),
    },
  });
}

type Send = (body: string, messageId: string) => Promise<number>;

/** Reads at most the excerpt the sender keeps, then lets the rest go. */
async function readExcerpt(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= EXCERPT_BYTES) break;
  }
  body.destroy();
  return Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8');
}

/** The same pool settings as apps/deliverer's WebhookSender. */
function undiciClient(url: string): { send: Send; close(): Promise<void> } {
  const agent = new Agent({
    keepAliveTimeout: 30_000,
    connections: 128,
    headersTimeout: TIMEOUT_MS,
    bodyTimeout: TIMEOUT_MS,
    connect: { timeout: TIMEOUT_MS },
  });
  return {
    send: async (body, messageId) => {
      const response = await request(url, {
        method: 'POST',
        headers: headersFor(body, messageId),
        body,
        dispatcher: agent,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      await readExcerpt(response.body);
      return response.statusCode;
    },
    close: () => agent.close(),
  };
}

/** axios as a webhook sender would use it: a keep-alive agent, no redirects, any status answered. */
function axiosClient(url: string): { send: Send; close(): Promise<void> } {
  const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 128 });
  const client = axios.create({
    httpAgent,
    maxRedirects: 0,
    timeout: TIMEOUT_MS,
    responseType: 'stream',
    validateStatus: () => true,
  });
  return {
    send: async (body, messageId) => {
      const response = await client.post<Readable>(url, body, {
        headers: headersFor(body, messageId),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      await readExcerpt(response.data);
      return response.status;
    },
    close: () => {
      httpAgent.destroy();
      return Promise.resolve();
    },
  };
}

const secrets = [generateSigningSecret()];

function headersFor(body: string, messageId: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'Herald-Webhooks/0.1',
    ...signatureHeaders(secrets, {
      messageId,
      timestamp: Math.floor(Date.now() / 1000),
      body,
    }),
  };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** `total` requests by `concurrency` workers, each waiting for its answer before the next. */
async function phase(send: Send, name: string, total: number, concurrency: number): Promise<Phase> {
  const latencies: number[] = [];
  let next = 0;
  const started = process.hrtime.bigint();
  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      const body = payload(i);
      const sent = process.hrtime.bigint();
      const status = await send(body, `msg_${name}_${i}`);
      latencies.push(Number(process.hrtime.bigint() - sent) / 1e6);
      if (status !== 200) throw new Error(`receiver answered ${status}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  return {
    name,
    requests: total,
    perSecond: total / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
}

async function runClient(name: ClientName, port: number): Promise<ClientReport> {
  const url = `http://127.0.0.1:${port}/hooks`;
  const client = name === 'undici' ? undiciClient(url) : axiosClient(url);
  await phase(client.send, 'warm-up', WARM_UP, 16);
  collectGarbage();
  const before = process.memoryUsage();
  const phases = [await phase(client.send, 'sequential', SEQUENTIAL, 1)];
  for (const concurrency of CONCURRENCY) {
    phases.push(await phase(client.send, `concurrency ${concurrency}`, CONCURRENT, concurrency));
  }
  collectGarbage();
  const after = process.memoryUsage();
  await client.close();
  return {
    client: name,
    phases,
    heapGrowthBytes: after.heapUsed - before.heapUsed,
    rssGrowthBytes: after.rss - before.rss,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}

function start(args: string[], execArgv: string[] = process.execArgv): ChildProcess {
  return fork(__filename, args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

function firstMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve(message as T));
    child.once('exit', (code) => reject(new Error(`bench child exited with ${code}`)));
  });
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

function print(reports: ClientReport[]): void {
  const rows = [['round', 'client', 'phase', 'requests', 'req/s', 'p50 ms', 'p99 ms']];
  reports.forEach((report, i) => {
    for (const p of report.phases) {
      rows.push([
        String(Math.floor(i / CLIENTS.length) + 1),
        report.client,
        p.name,
        String(p.requests),
        Math.round(p.perSecond).toLocaleString('en'),
        p.p50Ms.toFixed(3),
        p.p99Ms.toFixed(3),
      ]);
    }
  });
  rows.push([]);
  rows.push(['round', 'client', 'heap growth', 'RSS growth', 'peak RSS']);
  reports.forEach((report, i) => {
    rows.push([
      String(Math.floor(i / CLIENTS.length) + 1),
      report.client,
      mib(report.heapGrowthBytes),
      mib(report.rssGrowthBytes),
      mib(report.peakRssBytes),
    ]);
  });
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  for (const row of rows) {
    process.stdout.write(`${row.map((cell, i) => cell.padEnd(widths[i])).join('  ')}\n`);
  }
}

async function main(): Promise<void> {
  const receiver = start(['receiver']);
  try {
    const { port } = await firstMessage<{ port: number }>(receiver);
    process.stdout.write(
      `small signed POSTs (~${payload(0).length} B) to a node:http receiver in another process; ` +
        `${WARM_UP} warm-up, ${SEQUENTIAL} sequential, ${CONCURRENT} at each concurrency; ` +
        `${ROUNDS} rounds, client order alternating\n`,
    );
    const reports: ClientReport[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? CLIENTS : [...CLIENTS].reverse();
      const results: ClientReport[] = [];
      for (const client of order) {
        const child = start(['client', client, String(port)], [...process.execArgv, '--expose-gc']);
        results.push(await firstMessage<ClientReport>(child));
      }
      reports.push(...CLIENTS.map((name) => results.find((r) => r.client === name)!));
    }
    print(reports);
  } finally {
    receiver.disconnect();
  }
}

const [role, clientName, port] = process.argv.slice(2);
if (role === 'receiver') {
  runReceiver();
} else if (role === 'client') {
  runClient(clientName as ClientName, Number(port)).then(
    (report) => process.send?.(report, undefined, {}, () => process.exit(0)),
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exit(1);
    },
  );
} else {
  main().catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exitCode = 1;
  });
}
