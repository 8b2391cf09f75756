import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  generateSigningSecret,
  type DeliveredBody,
  type OAuth2WebhookDestination,
} from '@herald/domain';
import { testConfig } from '@herald/testing';
import { AttemptDeadlines } from '../attempt-deadlines';
import { WebhookSender } from '../webhook/webhook.sender';
import { OAuth2WebhookSender } from './oauth2-webhook.sender';

const CLIENT_SECRET = 's3cr3t:with/odd&chars';

type Handler = (request: IncomingMessage, body: string, response: ServerResponse) => void;

/** A loopback HTTP server whose answer each test sets, recording what it was asked. */
class Loopback {
  readonly requests: { headers: IncomingMessage['headers']; body: string }[] = [];
  handler: Handler = (_request, _body, response) => response.writeHead(500).end();
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<Loopback> {
    let self: Loopback | null = null;
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        self!.requests.push({ headers: request.headers, body });
        self!.handler(request, body, response);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new Loopback(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return self;
  }

  reset(handler: Handler): void {
    this.requests.length = 0;
    this.handler = handler;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const json = (response: ServerResponse, status: number, body: unknown) =>
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

const standard: DeliveredBody = {
  id: 'evt_1',
  type: 'meter.created',
  timestamp: '2024-05-02T12:31:26.257Z',
  subscription_id: 'sub_1',
  delivery_id: 'dlv_1',
  data: { meter: 'm-1' },
};

describe('OAuth2WebhookSender against a loopback token endpoint and receiver', () => {
  const config = testConfig({ HERALD_ALLOW_PRIVATE_DESTINATIONS: 'true' });
  let tokens: Loopback;
  let receiver: Loopback;
  let webhooks: WebhookSender;
  let sender: OAuth2WebhookSender;
  let issued = 0;
  /** The tokens the receiver accepts. */
  let valid = new Set<string>();

  const issue =
    (expiresIn: number | null) => (_r: IncomingMessage, _b: string, response: ServerResponse) => {
      const token = `tok-${++issued}`;
      valid.add(token);
      json(response, 200, {
        access_token: token,
        token_type: 'Bearer',
        ...(expiresIn === null ? {} : { expires_in: expiresIn }),
      });
    };
  const acceptValid: Handler = (request, _body, response) => {
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
    response.writeHead(valid.has(token) ? 204 : 401).end();
  };

  const destination = (overrides: Partial<OAuth2WebhookDestination> = {}) =>
    ({
      type: 'oauth2_webhook',
      url: `${receiver.url}/hooks`,
      headers: { 'X-Team': 'billing' },
      tokenUrl: `${tokens.url}/oauth/token`,
      clientId: 'herald-client',
      clientSecret: CLIENT_SECRET,
      scope: 'events:write audit',
      audience: 'https://api.example.com',
      ...overrides,
    }) satisfies OAuth2WebhookDestination;

  const send = (target: OAuth2WebhookDestination, payload = '{"hello":"world"}') =>
    sender.send({
      destination: target,
      body: standard,
      payload,
      messageId: 'dlv_1',
      signingSecrets: [generateSigningSecret()],
    });

  beforeAll(async () => {
    tokens = await Loopback.start();
    receiver = await Loopback.start();
  });

  beforeEach(() => {
    webhooks = new WebhookSender(config, new AttemptDeadlines(config));
    sender = new OAuth2WebhookSender(config, webhooks, new AttemptDeadlines(config));
    issued = 0;
    valid = new Set();
    tokens.reset(issue(3600));
    receiver.reset(acceptValid);
  });

  afterEach(async () => {
    await sender.onApplicationShutdown();
    await webhooks.onApplicationShutdown();
  });

  afterAll(async () => {
    await Promise.all([tokens.close(), receiver.close()]);
  });

  it('asks for a token with the client-credentials grant and HTTP Basic, then POSTs it signed as a Bearer', async () => {
    const result = await send(destination());
    expect(result).toMatchObject({ ok: true, statusCode: 204 });
    expect(tokens.requests).toHaveLength(1);
    const [asked] = tokens.requests;
    expect(asked.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const basic = Buffer.from(asked.headers.authorization!.replace(/^Basic /, ''), 'base64');
    expect(basic.toString()).toBe(`herald-client:${encodeURIComponent(CLIENT_SECRET)}`);
    expect(Object.fromEntries(new URLSearchParams(asked.body))).toEqual({
      grant_type: 'client_credentials',
      scope: 'events:write audit',
      audience: 'https://api.example.com',
    });
    const [delivered] = receiver.requests;
    expect(delivered.headers.authorization).toBe('Bearer tok-1');
    expect(delivered.headers['x-team']).toBe('billing');
    expect(delivered.headers['webhook-id']).toBe('dlv_1');
    expect(delivered.headers['webhook-signature']).toMatch(/^v1,/);
    expect(delivered.body).toBe('{"hello":"world"}');
  });

  it('leaves scope and audience out when they are not set', async () => {
    await send(destination({ scope: null, audience: null }));
    expect(Object.fromEntries(new URLSearchParams(tokens.requests[0].body))).toEqual({
      grant_type: 'client_credentials',
    });
  });

  it('fetches a token once and reuses it across deliveries, concurrent ones included', async () => {
    const target = destination();
    const results = await Promise.all([send(target), send(target), send(target)]);
    await send(target);
    expect(results.every((result) => result.ok)).toBe(true);
    expect(tokens.requests).toHaveLength(1);
    expect(receiver.requests.map((r) => r.headers.authorization)).toEqual(
      Array(4).fill('Bearer tok-1'),
    );
  });

  it('keeps one token per client: another client id gets its own', async () => {
    await send(destination());
    await send(destination({ clientId: 'other-client' }));
    await send(destination());
    expect(tokens.requests).toHaveLength(2);
  });

  it('fetches a new token shortly before the old one expires', async () => {
    tokens.reset(issue(1));
    const target = destination();
    await send(target);
    await send(target);
    expect(tokens.requests).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await send(target)).toMatchObject({ ok: true });
    expect(tokens.requests).toHaveLength(2);
    expect(receiver.requests.at(-1)!.headers.authorization).toBe('Bearer tok-2');
  });

  it('on a 401 fetches a new token once and sends again with it', async () => {
    const target = destination();
    await send(target);
    valid.clear(); // the authorization server revoked tok-1 before it expired
    const result = await send(target);
    expect(result).toMatchObject({ ok: true, statusCode: 204 });
    expect(tokens.requests).toHaveLength(2);
    expect(receiver.requests.map((r) => r.headers.authorization)).toEqual([
      'Bearer tok-1',
      'Bearer tok-1',
      'Bearer tok-2',
    ]);
  });

  it('refreshes only once: a receiver that keeps answering 401 fails the attempt with its answer', async () => {
    receiver.reset((_request, _body, response) => response.writeHead(401).end('no'));
    const result = await send(destination());
    expect(result).toMatchObject({
      ok: false,
      failure: 'retryable',
      statusCode: 401,
      message: 'receiver answered 401',
    });
    expect(tokens.requests).toHaveLength(2);
    expect(receiver.requests).toHaveLength(2);
  });

  it('fails the attempt with the token endpoint’s error, without calling the receiver', async () => {
    tokens.reset((_request, _body, response) =>
      json(response, 401, {
        error: 'invalid_client',
        error_description: 'Client authentication failed',
      }),
    );
    const result = await send(destination());
    expect(result).toMatchObject({
      ok: false,
      failure: 'retryable',
      statusCode: null,
      message: 'token endpoint answered 401: invalid_client (Client authentication failed)',
    });
    expect(receiver.requests).toHaveLength(0);
    expect(JSON.stringify(result)).not.toContain(CLIENT_SECRET);
  });

  it('does not keep a failed fetch: the next attempt asks again', async () => {
    tokens.reset((_request, _body, response) => response.writeHead(503).end());
    expect(await send(destination())).toMatchObject({
      ok: false,
      message: 'token endpoint answered 503',
    });
    tokens.reset(issue(3600));
    expect(await send(destination())).toMatchObject({ ok: true });
    expect(tokens.requests).toHaveLength(1);
  });

  it.each([
    [
      'no access_token',
      { token_type: 'Bearer' },
      'token endpoint answered without an access_token',
    ],
    [
      'another token type',
      { access_token: 'x', token_type: 'mac' },
      'token endpoint answered token_type "mac", not Bearer',
    ],
    ['no JSON object', 'ok', 'token endpoint answered without a JSON object'],
  ])('fails the attempt on an answer with %s', async (_name, answer, message) => {
    tokens.reset((_request, _body, response) => json(response, 200, answer));
    expect(await send(destination())).toMatchObject({ ok: false, failure: 'retryable', message });
    expect(receiver.requests).toHaveLength(0);
  });

  it('fails the attempt when the token endpoint cannot be reached', async () => {
    const result = await send(destination({ tokenUrl: 'http://127.0.0.1:1/oauth/token' }));
    expect(result).toMatchObject({ ok: false, failure: 'retryable', statusCode: null });
    expect((result as { message: string }).message).toMatch(/^token endpoint unreachable: /);
  });

  it('spends one HERALD_DELIVERY_TIMEOUT_MS on the token and the POST together', async () => {
    const quickConfig = testConfig({
      HERALD_ALLOW_PRIVATE_DESTINATIONS: 'true',
      HERALD_DELIVERY_TIMEOUT_MS: '500',
    });
    const quickWebhooks = new WebhookSender(quickConfig, new AttemptDeadlines(quickConfig));
    const quick = new OAuth2WebhookSender(
      quickConfig,
      quickWebhooks,
      new AttemptDeadlines(quickConfig),
    );
    const slowly =
      (handler: Handler, ms: number): Handler =>
      (request, body, response) =>
        void setTimeout(() => handler(request, body, response), ms);
    const attempt = (target: OAuth2WebhookDestination) =>
      quick.send({
        destination: target,
        body: standard,
        payload: '{}',
        messageId: 'dlv_1',
        signingSecrets: [generateSigningSecret()],
      });
    try {
      // Each call alone fits in 500 ms; both together do not.
      tokens.reset(slowly(issue(3600), 300));
      receiver.reset(slowly(acceptValid, 300));
      const started = Date.now();
      expect(await attempt(destination())).toMatchObject({ ok: false, message: 'timed out' });
      expect(Date.now() - started).toBeLessThan(900);

      tokens.reset(slowly(issue(3600), 800));
      expect(await attempt(destination({ clientId: 'slow-client' }))).toMatchObject({
        ok: false,
        failure: 'retryable',
        message: 'token endpoint timed out',
      });
    } finally {
      await quick.onApplicationShutdown();
      await quickWebhooks.onApplicationShutdown();
    }
  });

  it('refuses a token URL on a private address, as webhook URLs are, unless allowed', async () => {
    const strictConfig = testConfig({ HERALD_ALLOW_PRIVATE_DESTINATIONS: 'false' });
    const strictWebhooks = new WebhookSender(strictConfig, new AttemptDeadlines(strictConfig));
    const strict = new OAuth2WebhookSender(
      strictConfig,
      strictWebhooks,
      new AttemptDeadlines(strictConfig),
    );
    try {
      for (const tokenUrl of [`${tokens.url}/oauth/token`, 'http://localhost:1/oauth/token']) {
        const result = await strict.send({
          destination: destination({ tokenUrl, url: 'https://receiver.example/hooks' }),
          body: standard,
          payload: '{}',
          messageId: 'dlv_1',
          signingSecrets: [generateSigningSecret()],
        });
        expect(result).toMatchObject({ ok: false, failure: 'permanent', statusCode: null });
        expect((result as { message: string }).message).toMatch(
          /^token endpoint refused: destination .* resolves to .*, a private or reserved address$/,
        );
      }
      expect(tokens.requests).toHaveLength(0);
    } finally {
      await strict.onApplicationShutdown();
      await strictWebhooks.onApplicationShutdown();
    }
  });
});
