import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateSigningSecret, type DeliveredBody } from '@herald/domain';
import { testConfig } from '@herald/testing';
import { AttemptDeadlines } from '../attempt-deadlines';
import { WebhookSender } from './webhook.sender';

function senderWith(config: ReturnType<typeof testConfig>): WebhookSender {
  return new WebhookSender(config, new AttemptDeadlines(config));
}

/** Starts `server` on a free loopback port; its base URL. */
async function listenOnLoopback(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Closes the receiver (its kept-alive connections too) and the sender's pool. */
async function closeBoth(server: Server, sender: WebhookSender): Promise<void> {
  server.closeAllConnections();
  await sender.onApplicationShutdown();
  await new Promise((resolve) => server.close(resolve));
}

/** The standard body the ids come from; these tests send a payload of their own. */
const standard: DeliveredBody = {
  id: 'evt_1',
  type: 'meter.created',
  timestamp: '2024-05-02T12:31:26.257Z',
  subscription_id: 'sub_1',
  delivery_id: 'dlv_1',
  data: {},
};

/**
 * The SSRF guard. Refused destinations are refused before any packet leaves: literal addresses
 * are checked before connecting, names when they resolve, and the checked address is the one used.
 */
describe('webhook sender: private destinations', () => {
  const strict = senderWith(testConfig({ HERALD_ALLOW_PRIVATE_DESTINATIONS: 'false' }));
  const relaxed = senderWith(testConfig({ HERALD_ALLOW_PRIVATE_DESTINATIONS: 'true' }));
  let server: Server;
  let hits = 0;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      hits++;
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await Promise.all([strict.onApplicationShutdown(), relaxed.onApplicationShutdown()]);
    await new Promise((resolve) => server.close(resolve));
  });

  const send = (sender: WebhookSender, url: string) =>
    sender.send({
      destination: { type: 'webhook', url, headers: {} },
      signingSecrets: [generateSigningSecret()],
      messageId: 'dlv_ssrf',
      body: standard,
      payload: '{}',
    });

  it.each([
    ['loopback', 'http://127.0.0.1:PORT/hook'],
    ['a private network address', 'http://10.0.0.1/hook'],
    ['the cloud metadata address', 'http://169.254.169.254/latest/meta-data/'],
    ['IPv6 loopback', 'http://[::1]:PORT/hook'],
    ['a host name that resolves to loopback', 'http://localhost:PORT/hook'],
    ['an IPv4-mapped IPv6 loopback', 'http://[::ffff:127.0.0.1]:PORT/hook'],
  ])('refuses %s as a permanent failure, without sending', async (_name, template) => {
    const before = hits;
    const url = template.replace('PORT', String((server.address() as AddressInfo).port));
    const result = await send(strict, url);
    expect(result).toMatchObject({ ok: false, failure: 'permanent', statusCode: null });
    expect(!result.ok && result.message).toMatch(/private or reserved address/);
    expect(hits).toBe(before);
  });

  it('sends to loopback when private destinations are allowed (tests, npm start)', async () => {
    const before = hits;
    const result = await send(
      relaxed,
      `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    );
    expect(result).toMatchObject({ ok: true, statusCode: 200 });
    expect(hits).toBe(before + 1);
  });
});

/**
 * What an attempt keeps of the receiver's answer: 4 KiB, or the whole answer up to 64 KiB (and the
 * request body) while the subscription has `debug` on. Reading stops at the cap.
 */
describe('webhook sender: response bodies', () => {
  // Short enough that a sender waiting for the end of an endless answer would time out instead.
  const sender = senderWith(testConfig({ HERALD_DELIVERY_TIMEOUT_MS: '3000' }));
  const large = 'abcdefghij'.repeat(10 * 1024); // 100 KiB
  const accented = 'é'.repeat(50 * 1024); // 100 KiB of two-byte characters
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      if (req.url === '/large') return res.end(large);
      if (req.url === '/accented') return res.end(accented);
      // /endless: 100 KiB and then nothing, the response never ends.
      res.write(large);
    });
    base = await listenOnLoopback(server);
  });

  afterAll(() => closeBoth(server, sender));

  const send = (path: string, debug: boolean | undefined, body = '{"hello":"world"}') =>
    sender.send({
      destination: { type: 'webhook', url: base + path, headers: {} },
      signingSecrets: [generateSigningSecret()],
      messageId: 'dlv_bodies',
      body: standard,
      payload: body,
      debug,
    });

  it('keeps a 4 KiB excerpt of a 100 KiB answer, and no request body, without debug', async () => {
    for (const debug of [undefined, false]) {
      const result = await send('/large', debug);
      expect(result).toMatchObject({ ok: true, statusCode: 200 });
      expect(result.responseExcerpt).toBe(large.slice(0, 4096));
      expect(result.requestBody ?? null).toBeNull();
    }
  });

  it('keeps the first 64 KiB of a 100 KiB answer and the request body with debug', async () => {
    const body = JSON.stringify({ type: 'meter.created', data: { meter_id: 'm-1' } });
    const result = await send('/large', true, body);
    expect(result).toMatchObject({ ok: true, statusCode: 200 });
    expect(result.responseExcerpt).toBe(large.slice(0, 64 * 1024));
    expect(result.requestBody).toBe(body);
  });

  it('keeps at most 64 KiB of a request body with debug', async () => {
    const body = JSON.stringify({ data: 'x'.repeat(100 * 1024) });
    const result = await send('/large', true, body);
    expect(result.requestBody).toBe(body.slice(0, 64 * 1024));
  });

  it('stops reading at the cap: an answer that never ends still gives its excerpt', async () => {
    const plain = await send('/endless', false);
    expect(plain).toMatchObject({ ok: true, statusCode: 200 });
    expect(plain.responseExcerpt).toBe(large.slice(0, 4096));
    const debug = await send('/endless', true);
    expect(debug).toMatchObject({ ok: true, statusCode: 200 });
    expect(debug.responseExcerpt).toBe(large.slice(0, 64 * 1024));
  });

  it('cuts between characters, never inside one', async () => {
    const plain = await send('/accented', false);
    expect(plain.responseExcerpt).toBe(accented.slice(0, 2048));
    const debug = await send('/accented', true);
    expect(debug.responseExcerpt).toBe(accented.slice(0, 32 * 1024));
  });
});

/**
 * The call itself: its deadline, what of the answer's headers an attempt keeps, and the keep-alive
 * connection it leaves behind for the next attempt.
 */
describe('webhook sender: deadlines, headers and connections', () => {
  const timeoutMs = 400;
  const sender = senderWith(
    testConfig({
      HERALD_DELIVERY_TIMEOUT_MS: String(timeoutMs),
      HERALD_ALLOW_PRIVATE_DESTINATIONS: 'true',
    }),
  );
  const large = 'abcdefghij'.repeat(10 * 1024); // 100 KiB
  let server: Server;
  let base: string;
  const connections = { opened: 0, closed: 0 };

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      if (req.url === '/silent') return; // never answers
      if (req.url === '/busy') {
        res.writeHead(503, { 'retry-after': '7' });
        return res.end('busy');
      }
      if (req.url === '/broken') {
        res.writeHead(500, { 'retry-after': '7' });
        return res.end('broken');
      }
      if (req.url === '/gone') {
        res.writeHead(410);
        return res.end();
      }
      if (req.url === '/huge') {
        // 96 KiB past the excerpt, more than is drained (64 KiB): the connection is not kept
        res.writeHead(200);
        return res.end(large);
      }
      res.writeHead(200);
      res.end(req.url === '/long' ? large.slice(0, 50 * 1024) : 'ok');
    });
    server.keepAliveTimeout = 30_000;
    server.on('connection', (socket) => {
      connections.opened++;
      socket.on('close', () => connections.closed++);
    });
    base = await listenOnLoopback(server);
  });

  afterAll(() => closeBoth(server, sender));

  const send = (path: string) =>
    sender.send({
      destination: { type: 'webhook', url: base + path, headers: {} },
      signingSecrets: [generateSigningSecret()],
      messageId: 'dlv_call',
      body: standard,
      payload: '{}',
    });

  it('ends a call that gets no answer at the timeout, as a retryable failure', async () => {
    const started = Date.now();
    const result = await send('/silent');
    const took = Date.now() - started;
    expect(result).toMatchObject({
      ok: false,
      failure: 'retryable',
      statusCode: null,
      message: 'timed out',
    });
    expect(took).toBeGreaterThanOrEqual(timeoutMs);
    expect(took).toBeLessThan(timeoutMs + 1_500);
  });

  it("keeps a 503's Retry-After, ignores a 500's, and marks a 410 gone", async () => {
    expect(await send('/busy')).toMatchObject({
      ok: false,
      statusCode: 503,
      retryAfterMs: 7_000,
      responseExcerpt: 'busy',
    });
    expect(await send('/broken')).toMatchObject({ ok: false, statusCode: 500, retryAfterMs: null });
    expect(await send('/gone')).toMatchObject({
      ok: false,
      failure: 'permanent',
      statusCode: 410,
      gone: true,
    });
  });

  it('keeps the connection after an answer longer than the excerpt, and closes one too long to drain', async () => {
    await send('/ok');
    const settle = () => new Promise((resolve) => setTimeout(resolve, 100)); // drained in the background
    const before = { ...connections };
    await send('/long');
    await settle();
    await send('/ok');
    expect(connections).toEqual(before); // 50 KiB: drained, kept and used again
    await send('/huge');
    await settle();
    expect(connections.closed).toBe(before.closed + 1); // 100 KiB: closed instead
  });
});
