import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateSigningSecret } from '@herald/domain';
import { testConfig } from '@herald/testing';
import { WebhookSender } from './webhook.sender';

/**
 * The SSRF guard. Refused destinations are refused before any packet leaves: literal addresses
 * are checked before connecting, names when they resolve, and the checked address is the one used.
 */
describe('webhook sender: private destinations', () => {
  const strict = new WebhookSender(testConfig({ HERALD_ALLOW_PRIVATE_DESTINATIONS: 'false' }));
  const relaxed = new WebhookSender(testConfig({ HERALD_ALLOW_PRIVATE_DESTINATIONS: 'true' }));
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
      body: '{}',
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
