import {
  credentials,
  loadPackageDefinition,
  Metadata,
  status,
  type Client,
  type GrpcObject,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ADMIN_PROTO, protoRoot } from '@herald/contracts';
import { hashApiKey } from '@herald/domain';
import { findFreePort } from '@herald/local-infra';
import { dataSourceOptions } from '@herald/persistence';
import { createService } from '@herald/runtime';
import { ApiClient, appUrl, listQueryRefusals, refusalOf, testConfig } from '@herald/testing';
import { attachGrpc } from '../grpc/attach-grpc';
import { RetentionPurger } from '../retention/retention-purger';
import { SubscriptionApiModule } from '../subscription-api.module';

type ErrorBody = {
  error: { code: string; message: string; details: { field: string; message: string }[] };
};
type SessionBody = {
  id: string;
  tenant_id: string;
  created_by: string;
  read_only: boolean;
  pages: string[] | null;
  theme: { accent: string | null; logo_url: string | null; mode: string } | null;
  link_expires_at: string;
  exchanged_at: string | null;
  expires_at: string;
  revoked_at: string | null;
  created_at: string;
};
type NewSessionBody = SessionBody & { url: string };
type ExchangeBody = {
  id: string;
  session_key: string;
  tenant_id: string;
  read_only: boolean;
  pages: string[] | null;
  theme: SessionBody['theme'];
  expires_at: string;
};

type Call = (
  request: object,
  metadata: Metadata,
  callback: (error: ServiceError | null, response: unknown) => void,
) => void;

const anyString = (): string => expect.any(String) as string;
const SUBSCRIPTION = {
  event_types: ['meter.*'],
  destination: { type: 'webhook', url: 'https://example.com/hooks' },
};

const tokenOf = (url: string): string => new URL(url).hash.replace(/^#token=/, '');
const codeOf = (body: unknown): string | undefined => (body as ErrorBody | null)?.error?.code;

describe('console links on a real PostgreSQL', () => {
  let app: INestApplication;
  let operator: ApiClient;
  let adminToken: string;
  let anonymous: ApiClient;
  let db: DataSource;
  let grpc: Client & Record<string, Call>;
  let logged = '';
  const writes: jest.SpyInstance[] = [];

  /** A tenant, its API key's client, and a console link it made with `body`. */
  async function tenantWithLink(name: string, body: object = {}) {
    const tenant = await operator.createTenant(name);
    const created = await tenant.client.request<NewSessionBody>(
      'POST',
      '/v1/console-sessions',
      body,
    );
    expect(created.status).toBe(201);
    return { ...tenant, link: created.body };
  }

  async function exchange(url: string) {
    return anonymous.request<ExchangeBody>('POST', '/v1/console-sessions/exchange', {
      token: tokenOf(url),
    });
  }

  /** A session's client, from a fresh link of the tenant. */
  async function sessionOf(tenant: ApiClient, body: object = {}) {
    const created = await tenant.request<NewSessionBody>('POST', '/v1/console-sessions', body);
    const exchanged = await exchange(created.body.url);
    expect(exchanged.status).toBe(200);
    return { id: created.body.id, client: anonymous.withToken(exchanged.body.session_key) };
  }

  function grpcCall<T>(method: string, request: object, token?: string): Promise<T> {
    const metadata = new Metadata();
    if (token) metadata.set('authorization', `Bearer ${token}`);
    return new Promise((resolve, reject) =>
      grpc[method](request, metadata, (error, response) =>
        error ? reject(error) : resolve(response as T),
      ),
    );
  }

  beforeAll(async () => {
    // Every log line of the suite is kept (and not printed), to show no secret is ever in one.
    for (const stream of [process.stdout, process.stderr]) {
      const write = stream.write.bind(stream);
      writes.push(
        jest.spyOn(stream, 'write').mockImplementation(((chunk: unknown, ...rest: never[]) => {
          const text = String(chunk);
          if (!text.startsWith('{"')) return write(chunk as string, ...rest);
          logged += text;
          return true;
        }) as typeof stream.write),
      );
    }
    const config = testConfig({
      HERALD_GRPC_PORT: String(await findFreePort()),
      HERALD_LOG_LEVEL: 'debug',
    });
    app = await createService(
      'subscription-api',
      SubscriptionApiModule.forRoot(config),
      config,
      (created) => attachGrpc(created, config),
    );
    adminToken = config.auth.adminToken ?? '';
    operator = new ApiClient(appUrl(app), adminToken);
    anonymous = new ApiClient(appUrl(app), null);
    db = await new DataSource(dataSourceOptions(config.database.url)).initialize();
    const definition = loadSync(ADMIN_PROTO, {
      keepCase: true,
      defaults: false,
      includeDirs: [protoRoot()],
    });
    const loaded = loadPackageDefinition(definition) as unknown as {
      herald: { admin: { v1: GrpcObject } };
    };
    const Service = loaded.herald.admin.v1.AdminService as ServiceClientConstructor;
    grpc = new Service(
      `127.0.0.1:${config.server.grpcPort}`,
      credentials.createInsecure(),
    ) as unknown as Client & Record<string, Call>;
  });

  afterAll(async () => {
    writes.forEach((spy) => spy.mockRestore());
    grpc?.close();
    await db?.destroy();
    await app?.close();
  });

  describe('making a link', () => {
    it('by a tenant for itself: a URL with the token in its fragment, 10 minutes to use it', async () => {
      const { tenantId, link } = await tenantWithLink('cs-tenant', {
        read_only: true,
        pages: ['deliveries', 'dead-letters'],
        expires_in: '8h',
      });
      expect(link).toEqual({
        id: expect.stringMatching(/^ses_[0-9a-z]{26}$/) as string,
        tenant_id: tenantId,
        created_by: 'tenant',
        read_only: true,
        pages: ['deliveries', 'dead-letters'],
        theme: null,
        link_expires_at: anyString(),
        exchanged_at: null,
        expires_at: anyString(),
        revoked_at: null,
        created_at: anyString(),
        url: expect.stringMatching(
          /^http:\/\/127\.0\.0\.1:\d+\/console\/#token=hcl_[\w-]{43}$/,
        ) as string,
      });
      const created = Date.parse(link.created_at);
      expect(Date.parse(link.link_expires_at) - created).toBe(10 * 60_000);
      expect(Date.parse(link.expires_at) - created).toBe(8 * 3_600_000);
    });

    it('with a theme: on the link, in the list and in the exchange, which the console applies', async () => {
      const theme = { accent: '#0A7D55', logo_url: 'https://example.com/logo.svg', mode: 'dark' };
      const { client, link } = await tenantWithLink('cs-theme', { theme });
      expect(link.theme).toEqual(theme);
      const listed = await client.request<{ data: SessionBody[] }>('GET', '/v1/console-sessions');
      expect(listed.body.data.map((session) => session.theme)).toEqual([theme]);
      const exchanged = await exchange(link.url);
      expect(exchanged.body.theme).toEqual(theme);
      // Only an accent: the mode is auto, and no logo.
      const accentOnly = await tenantWithLink('cs-theme-accent', { theme: { accent: '#abc' } });
      expect(accentOnly.link.theme).toEqual({ accent: '#abc', logo_url: null, mode: 'auto' });
      expect((await exchange(accentOnly.link.url)).body.theme).toEqual(accentOnly.link.theme);
    });

    it('by the operator for a tenant it names; defaults: read-write, every page, 1 hour', async () => {
      const { tenantId } = await operator.createTenant('cs-operator');
      const created = await operator.request<NewSessionBody>('POST', '/v1/console-sessions', {
        tenant_id: tenantId,
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        tenant_id: tenantId,
        created_by: 'operator',
        read_only: false,
        pages: null,
      });
      expect(Date.parse(created.body.expires_at) - Date.parse(created.body.created_at)).toBe(
        3_600_000,
      );
      const missing = await operator.request('POST', '/v1/console-sessions', {});
      expect({ status: missing.status, code: codeOf(missing.body) }).toEqual({
        status: 422,
        code: 'validation_failed',
      });
      const unknown = await operator.request('POST', '/v1/console-sessions', {
        tenant_id: 'ten_01hzzzzzzzzzzzzzzzzzzzzzzz',
      });
      expect(unknown.status).toBe(404);
    });

    it.each<[string, object, string[]]>([
      ['a lifetime under 5 minutes', { expires_in: '4m' }, ['expires_in']],
      ['a lifetime over 30 days', { expires_in: '31d' }, ['expires_in']],
      ['a lifetime that is no duration', { expires_in: 'a week' }, ['expires_in']],
      ['an unknown page', { pages: ['tenants'] }, ['pages[0]']],
      ['no pages', { pages: [] }, ['pages']],
      ['a page named twice', { pages: ['events', 'events'] }, ['pages']],
      ['read_only that is no boolean', { read_only: 'yes' }, ['read_only']],
      ['an unknown field', { colour: 'dark' }, ['colour']],
      ['a theme that is no object', { theme: 'dark' }, ['theme']],
      ['an accent that is no hex colour', { theme: { accent: 'red;x' } }, ['theme.accent']],
      [
        'a logo that is not https:',
        { theme: { logo_url: 'http://a.example/l.png' } },
        ['theme.logo_url'],
      ],
      [
        'a logo that is javascript:',
        { theme: { logo_url: 'javascript:alert(1)' } },
        ['theme.logo_url'],
      ],
      ['an unknown mode', { theme: { mode: 'sepia' } }, ['theme.mode']],
      ['an unknown theme field', { theme: { font: 'serif' } }, ['theme.font']],
    ])('refuses %s with 422 naming it', async (_name, body, fields) => {
      const { client } = await operator.createTenant('cs-invalid');
      const refused = await client.request<ErrorBody>('POST', '/v1/console-sessions', body);
      expect({
        status: refused.status,
        code: codeOf(refused.body),
        fields: refused.body.error.details.map((d) => d.field),
      }).toEqual({
        status: 422,
        code: 'validation_failed',
        fields,
      });
    });

    it('keeps only hashes of the token and the session key, and logs neither', async () => {
      const { link } = await tenantWithLink('cs-hashes');
      const token = tokenOf(link.url);
      const { body } = await exchange(link.url);
      const rows: Record<string, unknown>[] = await db.query(
        'SELECT * FROM console_sessions WHERE id = $1',
        [link.id],
      );
      expect(rows).toHaveLength(1);
      const stored = JSON.stringify(rows[0]);
      expect(stored).not.toContain(token);
      expect(stored).not.toContain(token.slice(4));
      expect(stored).not.toContain(body.session_key.slice(4));
      expect(rows[0]).toMatchObject({
        link_hash: hashApiKey(token),
        session_hash: hashApiKey(body.session_key),
      });
      expect(logged).toContain(link.id);
      expect(logged).not.toContain(token.slice(4));
      expect(logged).not.toContain(body.session_key.slice(4));
    });
  });

  describe('exchanging a link', () => {
    it('works once, without credentials; a second exchange answers 401 link_used', async () => {
      const { tenantId, link } = await tenantWithLink('cs-once', { pages: ['events'] });
      const first = await exchange(link.url);
      expect(first).toEqual({
        status: 200,
        body: {
          id: link.id,
          session_key: expect.stringMatching(/^hcs_[\w-]{43}$/) as string,
          tenant_id: tenantId,
          read_only: false,
          pages: ['events'],
          theme: null,
          expires_at: link.expires_at,
        },
      });
      const second = await exchange(link.url);
      expect({ status: second.status, code: codeOf(second.body) }).toEqual({
        status: 401,
        code: 'link_used',
      });
      // The first session still works.
      const session = anonymous.withToken(first.body.session_key);
      expect((await session.request('GET', '/v1/subscriptions')).status).toBe(200);
    });

    it('gives the session to one of several exchanges racing for the link', async () => {
      const { link } = await tenantWithLink('cs-race');
      const answers = await Promise.all(Array.from({ length: 8 }, () => exchange(link.url)));
      expect(answers.map((answer) => answer.status).sort()).toEqual([
        200, 401, 401, 401, 401, 401, 401, 401,
      ]);
      expect(
        answers.filter((answer) => answer.status === 401).map((answer) => codeOf(answer.body)),
      ).toEqual(Array(7).fill('link_used'));
    });

    it('answers 401 link_expired after the link’s 10 minutes, even unused', async () => {
      const { link } = await tenantWithLink('cs-link-expiry');
      await db.query(
        `UPDATE console_sessions SET link_expires_at = now() - interval '1 second' WHERE id = $1`,
        [link.id],
      );
      const refused = await exchange(link.url);
      expect({ status: refused.status, code: codeOf(refused.body) }).toEqual({
        status: 401,
        code: 'link_expired',
      });
    });

    it('answers 401 link_revoked for a revoked link, and unauthorized for a token never issued', async () => {
      const { client, link } = await tenantWithLink('cs-link-revoked');
      expect((await client.request('DELETE', `/v1/console-sessions/${link.id}`)).status).toBe(204);
      const revoked = await exchange(link.url);
      expect({ status: revoked.status, code: codeOf(revoked.body) }).toEqual({
        status: 401,
        code: 'link_revoked',
      });
      const unknown = await anonymous.request('POST', '/v1/console-sessions/exchange', {
        token: `hcl_${'x'.repeat(43)}`,
      });
      expect({ status: unknown.status, code: codeOf(unknown.body) }).toEqual({
        status: 401,
        code: 'unauthorized',
      });
      const malformed = await anonymous.request('POST', '/v1/console-sessions/exchange', {
        token: 'hk_not-a-link',
      });
      expect(malformed.status).toBe(422);
    });
  });

  describe('a console session', () => {
    it('uses the tenant’s routes with the tenant’s rights', async () => {
      const { client, tenantId } = await operator.createTenant('cs-rights');
      const session = await sessionOf(client);
      const created = await session.client.request<{ id: string }>(
        'POST',
        '/v1/subscriptions',
        SUBSCRIPTION,
      );
      expect(created.status).toBe(201);
      const listed = await client.request<{ data: { id: string }[] }>('GET', '/v1/subscriptions');
      expect(listed.body.data.map((s) => s.id)).toEqual([created.body.id]);
      const patched = await session.client.request(
        'PATCH',
        `/v1/subscriptions/${created.body.id}`,
        {
          description: 'from the console',
        },
      );
      expect(patched.status).toBe(200);
      expect(
        (await session.client.request('DELETE', `/v1/subscriptions/${created.body.id}`)).status,
      ).toBe(204);
      expect(tenantId).toMatch(/^ten_/);
    });

    it('never reaches operator routes, API key rotation or console link making', async () => {
      const { client, tenantId } = await operator.createTenant('cs-no-operator');
      const session = await sessionOf(client);
      for (const [method, path, body] of [
        ['GET', '/v1/tenants', undefined],
        ['GET', `/v1/tenants/${tenantId}/api-keys`, undefined],
        ['POST', `/v1/tenants/${tenantId}/api-keys`, {}],
        ['POST', '/v1/api-keys/rotate', {}],
        ['POST', '/v1/console-sessions', {}],
        ['GET', '/v1/console-sessions', undefined],
        ['POST', '/v1/console-sessions/revoke-all', {}],
      ] as const) {
        const answer = await session.client.request(method, path, body);
        expect({
          route: `${method} ${path}`,
          status: answer.status,
          code: codeOf(answer.body),
        }).toEqual({
          route: `${method} ${path}`,
          status: 403,
          code: 'forbidden',
        });
      }
    });

    it('read-only: reads, and is refused 403 read_only on POST, PATCH and DELETE', async () => {
      const { client } = await operator.createTenant('cs-read-only');
      const subscription = await client.request<{ id: string }>(
        'POST',
        '/v1/subscriptions',
        SUBSCRIPTION,
      );
      const session = await sessionOf(client, { read_only: true });
      expect((await session.client.request('GET', '/v1/subscriptions')).status).toBe(200);
      expect(
        (await session.client.request('GET', `/v1/subscriptions/${subscription.body.id}`)).status,
      ).toBe(200);
      for (const [method, path, body] of [
        ['POST', '/v1/subscriptions', SUBSCRIPTION],
        ['PATCH', `/v1/subscriptions/${subscription.body.id}`, { description: 'x' }],
        ['DELETE', `/v1/subscriptions/${subscription.body.id}`, undefined],
        ['POST', '/v1/events', { type: 'meter.created', data: {} }],
        ['POST', '/v1/event-types', { name: 'meter.read' }],
      ] as const) {
        const answer = await session.client.request(method, path, body);
        expect({
          route: `${method} ${path}`,
          status: answer.status,
          code: codeOf(answer.body),
        }).toEqual({
          route: `${method} ${path}`,
          status: 403,
          code: 'read_only',
        });
      }
      // Nothing changed.
      const after = await client.request<{ data: { id: string; description: string }[] }>(
        'GET',
        '/v1/subscriptions',
      );
      expect(after.body.data).toEqual([
        expect.objectContaining({ id: subscription.body.id, description: '' }),
      ]);
    });

    it('answers 401 session_expired once its lifetime is over', async () => {
      const { client } = await operator.createTenant('cs-expiry');
      const session = await sessionOf(client, { expires_in: '5m' });
      expect((await session.client.request('GET', '/v1/subscriptions')).status).toBe(200);
      await db.query(
        `UPDATE console_sessions SET expires_at = now() - interval '1 second' WHERE id = $1`,
        [session.id],
      );
      const refused = await session.client.request('GET', '/v1/subscriptions');
      expect({ status: refused.status, code: codeOf(refused.body) }).toEqual({
        status: 401,
        code: 'session_expired',
      });
    });

    it('may revoke itself, even read-only, and no other session', async () => {
      const { client } = await operator.createTenant('cs-sign-out');
      const other = await sessionOf(client);
      const session = await sessionOf(client, { read_only: true });
      expect(
        (await session.client.request('DELETE', `/v1/console-sessions/${other.id}`)).status,
      ).toBe(404);
      expect((await other.client.request('GET', '/v1/subscriptions')).status).toBe(200);
      expect(
        (await session.client.request('DELETE', `/v1/console-sessions/${session.id}`)).status,
      ).toBe(204);
      const after = await session.client.request('GET', '/v1/subscriptions');
      expect({ status: after.status, code: codeOf(after.body) }).toEqual({
        status: 401,
        code: 'session_revoked',
      });
    });
  });

  describe('listing and revoking', () => {
    it('revokes one at once; its key answers 401 session_revoked', async () => {
      const { client } = await operator.createTenant('cs-revoke-one');
      const kept = await sessionOf(client);
      const revoked = await sessionOf(client);
      expect((await client.request('DELETE', `/v1/console-sessions/${revoked.id}`)).status).toBe(
        204,
      );
      expect((await client.request('DELETE', `/v1/console-sessions/${revoked.id}`)).status).toBe(
        204,
      );
      const refused = await revoked.client.request('GET', '/v1/subscriptions');
      expect({ status: refused.status, code: codeOf(refused.body) }).toEqual({
        status: 401,
        code: 'session_revoked',
      });
      expect((await kept.client.request('GET', '/v1/subscriptions')).status).toBe(200);
      const listed = await client.request<{ data: SessionBody[] }>('GET', '/v1/console-sessions');
      expect(listed.body.data.map((s) => [s.id, s.revoked_at === null])).toEqual([
        [kept.id, true],
        [revoked.id, false],
      ]);
      expect(JSON.stringify(listed.body)).not.toMatch(/hcs_|hcl_|hash/);
    });

    it('revokes all of a tenant (by the tenant or the operator), sessions and unused links', async () => {
      const { client, tenantId } = await operator.createTenant('cs-revoke-all');
      const sessions = [await sessionOf(client), await sessionOf(client, { read_only: true })];
      const pending = await client.request<NewSessionBody>('POST', '/v1/console-sessions', {});
      const bystander = await operator.createTenant('cs-revoke-all-bystander');
      const untouched = await sessionOf(bystander.client);

      const byTenant = await client.request('POST', '/v1/console-sessions/revoke-all', {});
      expect(byTenant).toEqual({ status: 200, body: { revoked: 3 } });
      for (const session of sessions) {
        expect(codeOf((await session.client.request('GET', '/v1/subscriptions')).body)).toBe(
          'session_revoked',
        );
      }
      expect(codeOf((await exchange(pending.body.url)).body)).toBe('link_revoked');
      expect((await untouched.client.request('GET', '/v1/subscriptions')).status).toBe(200);

      const again = await sessionOf(client);
      const byOperator = await operator.request('POST', '/v1/console-sessions/revoke-all', {
        tenant_id: tenantId,
      });
      expect(byOperator).toEqual({ status: 200, body: { revoked: 1 } });
      expect((await again.client.request('GET', '/v1/subscriptions')).status).toBe(401);
      expect((await untouched.client.request('GET', '/v1/subscriptions')).status).toBe(200);
    });

    it('lets the operator list a tenant’s sessions and revoke any', async () => {
      const { client, tenantId } = await operator.createTenant('cs-operator-list');
      const session = await sessionOf(client);
      const listed = await operator.request<{ data: SessionBody[] }>(
        'GET',
        `/v1/console-sessions?tenant_id=${tenantId}`,
      );
      expect(listed.body.data.map((s) => s.id)).toEqual([session.id]);
      expect((await operator.request('DELETE', `/v1/console-sessions/${session.id}`)).status).toBe(
        204,
      );
      expect((await session.client.request('GET', '/v1/subscriptions')).status).toBe(401);
    });

    it.each(
      listQueryRefusals(
        'status',
        ['a tenant_id given twice', 'tenant_id=a&tenant_id=b', 'tenant_id', 'must be given once'],
        ['an empty tenant_id', 'tenant_id=', 'tenant_id', 'must not be empty'],
      ),
    )(
      'refuses %s on the list with 422 naming it, as every list does',
      async (_name, query, answer) => {
        const path = `/v1/console-sessions?${query}`;
        expect(refusalOf(await operator.request('GET', path))).toEqual(answer);
      },
    );

    it('keeps tenants apart: another tenant’s sessions are not found, listed or revoked', async () => {
      const owner = await operator.createTenant('cs-owner');
      const intruder = await operator.createTenant('cs-intruder');
      const session = await sessionOf(owner.client);
      const ownerSubscription = await owner.client.request<{ id: string }>(
        'POST',
        '/v1/subscriptions',
        SUBSCRIPTION,
      );
      const revoke = await intruder.client.request('DELETE', `/v1/console-sessions/${session.id}`);
      expect({ status: revoke.status, code: codeOf(revoke.body) }).toEqual({
        status: 404,
        code: 'not_found',
      });
      const list = await intruder.client.request<{ data: unknown[] }>(
        'GET',
        '/v1/console-sessions',
      );
      expect(list.body.data).toEqual([]);
      for (const [method, path, body] of [
        ['GET', `/v1/console-sessions?tenant_id=${owner.tenantId}`, undefined],
        ['POST', '/v1/console-sessions', { tenant_id: owner.tenantId }],
        ['POST', '/v1/console-sessions/revoke-all', { tenant_id: owner.tenantId }],
      ] as const) {
        const answer = await intruder.client.request(method, path, body);
        expect({ route: `${method} ${path}`, status: answer.status }).toEqual({
          route: `${method} ${path}`,
          status: 404,
        });
      }
      // The owner's session is untouched, and sees only its own tenant.
      expect((await session.client.request('GET', '/v1/subscriptions')).status).toBe(200);
      const intruderSession = await sessionOf(intruder.client);
      expect(
        (
          await intruderSession.client.request(
            'GET',
            `/v1/subscriptions/${ownerSubscription.body.id}`,
          )
        ).status,
      ).toBe(404);
    });
  });

  describe('over gRPC', () => {
    it('makes, lists and revokes links with the same service, and a session key works there too', async () => {
      const { apiKey, tenantId } = await operator.createTenant('cs-grpc');
      const created = await grpcCall<NewSessionBody>(
        'CreateConsoleSession',
        { read_only: true, pages: ['subscriptions'], expires_in: '2h' },
        apiKey,
      );
      expect(created).toMatchObject({
        tenant_id: tenantId,
        created_by: 'tenant',
        read_only: true,
        pages: ['subscriptions'],
        url: expect.stringMatching(/^\/console\/#token=hcl_[\w-]{43}$/) as string,
      });
      const exchanged = await exchange(`http://console${created.url}`);
      expect(exchanged.status).toBe(200);
      const key = exchanged.body.session_key;
      // A read-only session key over gRPC: reads pass, writes answer PERMISSION_DENIED read_only.
      await expect(grpcCall('ListSubscriptions', {}, key)).resolves.toEqual({});
      const write = await grpcCall('CreateSubscription', SUBSCRIPTION, key).catch(
        (error: ServiceError) => error,
      );
      expect({
        code: (write as ServiceError).code,
        error: (JSON.parse((write as ServiceError).details) as ErrorBody).error.code,
      }).toEqual({ code: status.PERMISSION_DENIED, error: 'read_only' });

      const byOperator = await grpcCall<SessionBody>(
        'CreateConsoleSession',
        { tenant_id: tenantId },
        adminToken,
      );
      expect(byOperator).toMatchObject({ tenant_id: tenantId, created_by: 'operator' });
      const themed = await grpcCall<SessionBody>(
        'CreateConsoleSession',
        { tenant_id: tenantId, theme: { accent: '#123456', mode: 'light' } },
        adminToken,
      );
      expect(themed.theme).toEqual({ accent: '#123456', mode: 'light' });
      await grpcCall('RevokeConsoleSession', { id: themed.id }, adminToken);
      const listed = await grpcCall<{ data: SessionBody[] }>(
        'ListConsoleSessions',
        { limit: 10 },
        apiKey,
      );
      expect(listed.data.map((s) => s.id)).toEqual([created.id, byOperator.id, themed.id]);
      expect(listed.data[1].pages ?? []).toEqual([]);
      await grpcCall('RevokeConsoleSession', { id: created.id }, apiKey);
      await expect(grpcCall('ListSubscriptions', {}, key)).rejects.toMatchObject({
        code: status.UNAUTHENTICATED,
      });
      await expect(
        grpcCall('RevokeAllConsoleSessions', { tenant_id: tenantId }, adminToken),
      ).resolves.toEqual({ revoked: 1 });
    });
  });

  describe('ended sessions', () => {
    it('are deleted a day after they end (expired, revoked, or a link never used), live ones kept', async () => {
      const { tenantId, client } = await operator.createTenant('cs-purge');
      const made = async () =>
        (await client.request<NewSessionBody>('POST', '/v1/console-sessions', {})).body;
      const [live, expired, revoked, unused, recent] = [
        await made(),
        await made(),
        await made(),
        await made(),
        await made(),
      ];
      await exchange(live.url);
      await exchange(expired.url);
      await exchange(revoked.url);
      await exchange(recent.url);
      const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);
      await db.query('UPDATE console_sessions SET expires_at = $2 WHERE id = $1', [
        expired.id,
        daysAgo(2),
      ]);
      await db.query('UPDATE console_sessions SET revoked_at = $2 WHERE id = $1', [
        revoked.id,
        daysAgo(1.5),
      ]);
      await db.query('UPDATE console_sessions SET link_expires_at = $2 WHERE id = $1', [
        unused.id,
        daysAgo(3),
      ]);
      await db.query('UPDATE console_sessions SET revoked_at = $2 WHERE id = $1', [
        recent.id,
        daysAgo(0.5),
      ]);
      const purged = await app.get(RetentionPurger).purge();
      expect(purged?.consoleSessions).toBeGreaterThanOrEqual(3);
      const left = await db.query<{ id: string }[]>(
        'SELECT id FROM console_sessions WHERE tenant_id = $1 ORDER BY id',
        [tenantId],
      );
      expect(left.map((row) => row.id)).toEqual([live.id, recent.id]);
    });
  });

  describe('with HERALD_PUBLIC_URL', () => {
    let proxied: INestApplication | undefined;

    afterAll(async () => {
      await proxied?.close();
    });

    it('makes links that start with it over REST and gRPC, whatever host the request came in on', async () => {
      const config = testConfig({
        HERALD_GRPC_PORT: String(await findFreePort()),
        HERALD_PUBLIC_URL: 'https://hooks.example.com/herald/',
      });
      proxied = await createService(
        'subscription-api',
        SubscriptionApiModule.forRoot(config),
        config,
        (created) => attachGrpc(created, config),
      );
      const { apiKey } = await operator.createTenant('cs-public-url');
      const rest = await new ApiClient(appUrl(proxied), apiKey).request<NewSessionBody>(
        'POST',
        '/v1/console-sessions',
        {},
      );
      expect(rest.body.url).toMatch(
        /^https:\/\/hooks\.example\.com\/herald\/console\/#token=hcl_[\w-]{43}$/,
      );
      const definition = loadSync(ADMIN_PROTO, { keepCase: true, includeDirs: [protoRoot()] });
      const Service = (
        loadPackageDefinition(definition) as unknown as { herald: { admin: { v1: GrpcObject } } }
      ).herald.admin.v1.AdminService as ServiceClientConstructor;
      const proxiedGrpc = new Service(
        `127.0.0.1:${config.server.grpcPort}`,
        credentials.createInsecure(),
      ) as unknown as Client & Record<string, Call>;
      const metadata = new Metadata();
      metadata.set('authorization', `Bearer ${apiKey}`);
      const overGrpc = await new Promise<NewSessionBody>((resolve, reject) =>
        proxiedGrpc.CreateConsoleSession({}, metadata, (error, response) =>
          error ? reject(error) : resolve(response as NewSessionBody),
        ),
      );
      proxiedGrpc.close();
      expect(overGrpc.url).toMatch(/^https:\/\/hooks\.example\.com\/herald\/console\/#token=/);
      // The link's token works wherever the console is reached.
      expect((await exchange(overGrpc.url)).status).toBe(200);
    });
  });
});
