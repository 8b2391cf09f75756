import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { DeliveredBody } from '@herald/domain';
import { closedPort, testConfig } from '@herald/testing';
import { EmailSender } from './email.sender';

const body: DeliveredBody = {
  id: 'evt-1',
  type: 'api_keys.rotated',
  timestamp: '2024-05-02T12:31:26.257Z',
  subscription_id: 'sub-1',
  delivery_id: 'dlv_1',
  data: {},
};
const ids = { messageId: body.delivery_id, signingSecrets: [] };
const destination = { type: 'email' as const, to: ['ops@openvolt.test'] };

/** A TCP server that accepts connections and never says a word, as a hung SMTP server would. */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        sockets.forEach((socket) => socket.destroy());
        server.close(() => resolve());
      }),
  };
}

/** A loopback SMTP server answering RCPT TO by the code given per address (250 when absent). */
async function answeringServer(
  codes: Record<string, number>,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onRcptTo: (address, _session, callback) => {
      const code = codes[address.address];
      callback(
        code ? Object.assign(new Error(`no thanks (${code})`), { responseCode: code }) : null,
      );
    },
    onData: (stream, _session, callback) => {
      stream.on('end', () => callback());
      stream.resume();
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = (server as unknown as { server: Server }).server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('EmailSender failures', () => {
  it.each([
    [550, 'permanent'],
    [553, 'permanent'],
    [503, 'retryable'],
    [451, 'retryable'],
    [452, 'retryable'],
  ])('classifies an SMTP %d for the only recipient as %s', async (code, failure) => {
    const smtp = await answeringServer({ 'ops@openvolt.test': code });
    const sender = new EmailSender(testConfig({ HERALD_SMTP_URL: smtp.url }));
    const result = await sender.send({ destination, body, payload: JSON.stringify(body), ...ids });
    await sender.onApplicationShutdown();
    await smtp.close();
    expect(result).toMatchObject({ ok: false, failure, statusCode: code });
    expect(!result.ok && result.message).toContain(`SMTP server answered ${code}`);
  });

  it('counts a mail accepted for some recipients as delivered, naming the refused ones', async () => {
    const smtp = await answeringServer({ 'gone@openvolt.test': 550 });
    const sender = new EmailSender(testConfig({ HERALD_SMTP_URL: smtp.url }));
    const result = await sender.send({
      destination: { type: 'email', to: ['ops@openvolt.test', 'gone@openvolt.test'] },
      body,
      payload: JSON.stringify(body),
      ...ids,
    });
    await sender.onApplicationShutdown();
    await smtp.close();
    expect(result).toMatchObject({ ok: true, statusCode: 250 });
    expect(result.responseExcerpt).toContain('(rejected: gone@openvolt.test)');
  });

  it('fails as ours, naming the setting, when HERALD_SMTP_URL is not set', async () => {
    const sender = new EmailSender(testConfig());
    expect(
      await sender.send({ destination, body, payload: JSON.stringify(body), ...ids }),
    ).toMatchObject({
      ok: false,
      failure: 'ours',
      message: 'email is not configured: HERALD_SMTP_URL is not set',
    });
    await sender.onApplicationShutdown();
  });

  it('retries when the SMTP server refuses the connection', async () => {
    const port = await closedPort();
    const sender = new EmailSender(testConfig({ HERALD_SMTP_URL: `smtp://127.0.0.1:${port}` }));
    const result = await sender.send({ destination, body, payload: JSON.stringify(body), ...ids });
    await sender.onApplicationShutdown();
    expect(result).toMatchObject({ ok: false, failure: 'retryable', statusCode: null });
    expect(!result.ok && result.message).toContain('ECONNREFUSED');
  });

  it('gives up on a silent server after HERALD_DELIVERY_TIMEOUT_MS, as retryable', async () => {
    const silent = await silentServer();
    const sender = new EmailSender(
      testConfig({
        HERALD_SMTP_URL: `smtp://127.0.0.1:${silent.port}`,
        HERALD_DELIVERY_TIMEOUT_MS: '300',
      }),
    );
    const started = Date.now();
    const result = await sender.send({ destination, body, payload: JSON.stringify(body), ...ids });
    const elapsed = Date.now() - started;
    await sender.onApplicationShutdown();
    await silent.close();
    expect(result).toMatchObject({
      ok: false,
      failure: 'retryable',
      message: 'SMTP server unreachable: timed out',
    });
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(3000);
  });
});
