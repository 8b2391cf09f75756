import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import {
  ApiClient,
  launchChromium,
  testConfig,
  verifyWebhook,
  waitFor,
  WebhookReceiver,
} from '@herald/testing';
import { buildConsole } from './support/build-console';
import { startHerald, type RunningHerald } from './support/herald-harness';

const ROOT = resolve(__dirname, '..');
const SCREENSHOTS = join(ROOT, 'docs', 'screenshots');

/** What the API answers about a subscription, as far as these tests look. */
interface SubscriptionBody {
  id: string;
  secret: string;
  description: string | null;
  enabled: boolean;
  status: string;
  event_types: string[];
  destination: { type: string; url?: string; headers?: Record<string, string> };
}

const METER_SCHEMA = {
  type: 'object',
  required: ['meter_id'],
  properties: {
    meter_id: { type: 'string', description: '<b>not bold</b>' },
    reading_count: { type: 'integer', minimum: 0 },
  },
};
const METER_EXAMPLE = { meter_id: 'm-1', reading_count: 48 };

/** Generous for a machine of two cores that other suites share: waits end on what they wait for. */
const SLOW = 60_000;

describe('the console’s subscription and event type pages in a real browser', () => {
  let herald: RunningHerald;
  let browser: Browser;
  let receiver: WebhookReceiver;
  let operator: ApiClient;
  let tenant: { tenantId: string; apiKey: string; client: ApiClient };
  let page: Page;
  const dialogs: string[] = [];
  const cspViolations: string[] = [];

  beforeAll(async () => {
    buildConsole();
    herald = await startHerald(testConfig());
    browser = await launchChromium();
    receiver = await WebhookReceiver.start();
    operator = new ApiClient(herald.apiUrl, herald.config.auth.adminToken);
    tenant = await operator.createTenant('console subscriptions e2e');
    for (const body of [
      {
        name: 'meter.created',
        description: 'A meter was installed.',
        schema: METER_SCHEMA,
        examples: [METER_EXAMPLE],
      },
      { name: 'meter.updated', description: 'A meter’s settings changed.' },
    ]) {
      const created = await tenant.client.request('POST', '/v1/event-types', body);
      expect(created.status).toBe(201);
    }
    for (const body of [
      {
        description: 'Meter changes to ops by email',
        event_types: ['meter.*'],
        destination: { type: 'email', to: ['ops@example.com', 'billing@example.com'] },
      },
      {
        description: 'Billing queue',
        event_types: ['meter.created'],
        enabled: false,
        destination: {
          type: 'sqs',
          region: 'eu-west-1',
          queue_name: 'billing-events',
          access_key_id: 'AKIAIOSFODNN7EXAMPLE',
          secret_access_key: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        },
      },
    ]) {
      const created = await tenant.client.request('POST', '/v1/subscriptions', body);
      expect(created.status).toBe(201);
    }
  }, 600_000);

  beforeEach(async () => {
    dialogs.length = 0;
    cspViolations.length = 0;
    page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    page.setDefaultTimeout(SLOW);
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
  });

  afterEach(async () => {
    await page?.close();
  });

  afterAll(async () => {
    await Promise.allSettled([browser?.close(), herald?.stop(), receiver?.stop()]);
  });

  async function subscribe(
    body: Record<string, unknown>,
    client: ApiClient = tenant.client,
  ): Promise<SubscriptionBody> {
    const created = await client.request<SubscriptionBody>('POST', '/v1/subscriptions', {
      event_types: ['meter.created'],
      destination: { type: 'webhook', url: `${receiver.url}/hooks` },
      ...body,
    });
    expect(created.status).toBe(201);
    return created.body;
  }

  async function stored(id: string): Promise<{ status: number; body: SubscriptionBody }> {
    return tenant.client.request<SubscriptionBody>('GET', `/v1/subscriptions/${id}`);
  }

  /** Signs in with the tenant's key and opens a page of the console by its address. */
  async function open(hash: string): Promise<void> {
    await page.goto(`${herald.apiUrl}/console`);
    await page.getByLabel('API key').fill(tenant.apiKey);
    await page.getByLabel('API key').press('Enter');
    await page.getByRole('heading', { name: 'Subscriptions' }).waitFor();
    await showPage(hash);
  }

  /** Opens another page of the signed-in console, as following a link to it would. */
  async function showPage(hash: string): Promise<void> {
    await page.evaluate((fragment) => {
      (globalThis as unknown as { location: { hash: string } }).location.hash = fragment;
    }, hash);
  }

  /** Every input, select and text area has a label that names it. */
  async function everyInputIsLabelled(): Promise<void> {
    const fields = await page.locator('input, select, textarea').all();
    expect(fields.length).toBeGreaterThan(0);
    for (const field of fields) {
      const id = await field.getAttribute('id');
      expect(id).toBeTruthy();
      await expect(page.locator(`label[for="${id}"]`).innerText()).resolves.not.toBe('');
    }
  }

  /** The text of a detail list's entry, by its term. */
  function detail(term: string) {
    return page.locator(`xpath=//dt[normalize-space(.)="${term}"]/following-sibling::dd[1]`);
  }

  it('creates a subscription through the form with the keyboard, shows the API’s refusal first, then lists and opens it', async () => {
    await open('#/subscriptions');
    await page.getByRole('link', { name: 'New subscription' }).press('Enter');
    await page.getByRole('heading', { name: 'New subscription' }).waitFor();
    await page.getByLabel('meter.created', { exact: true }).waitFor();
    await everyInputIsLabelled();

    // The destination part is drawn from /v1/destination-types: every kind is offered.
    await expect(page.locator('#destination-type option').allInnerTexts()).resolves.toEqual([
      'Webhook',
      'Email',
      'AWS SQS',
      'Webhook with OAuth 2.0',
    ]);

    await page.getByLabel('Description', { exact: true }).focus();
    await page.keyboard.type('Installed meters to billing');
    await page.keyboard.press('Tab');
    await expect(page.locator('#destination-type:focus').count()).resolves.toBe(1);
    await page.keyboard.press('Tab');
    await expect(page.locator('#destination-webhook-url:focus').count()).resolves.toBe(1);
    await page.keyboard.type('not a url');
    // Catalog types are checkboxes with their descriptions; others and globs are typed.
    await expect(page.locator('li', { hasText: 'meter.created' }).innerText()).resolves.toContain(
      'A meter was installed.',
    );
    await page.getByLabel('meter.created', { exact: true }).focus();
    await page.keyboard.press('Space');
    await page.getByLabel('Other event types or patterns').focus();
    await page.keyboard.type('site.*');
    await page.getByLabel('Trigger fields').focus();
    await page.keyboard.type('meter_id, reading_count');
    await page.getByLabel('Ordering').selectOption('strict');
    await page.getByLabel('Rate limit (per second)').focus();
    await page.keyboard.type('5');
    await page.getByLabel('Description', { exact: true }).focus();
    await page.keyboard.press('Enter');

    const alert = page.getByRole('alert');
    await alert.waitFor();
    await expect(alert.innerText()).resolves.toMatch(/destination\.url\s+must be an absolute URL/);
    await page.screenshot({
      path: join(SCREENSHOTS, 'console-subscription-form.png'),
      fullPage: true,
    });

    await page.getByLabel('URL (required)').fill(`${receiver.url}/created`);
    await page.getByLabel('URL (required)').press('Enter');
    await page.getByRole('heading', { name: 'Installed meters to billing' }).waitFor();
    const id = decodeURIComponent(/#\/subscriptions\/([^/]+)$/.exec(page.url())?.[1] ?? '');
    expect(id).toMatch(/^sub_/);

    const created = await stored(id);
    expect(created.body).toMatchObject({
      description: 'Installed meters to billing',
      enabled: true,
      event_types: ['meter.created', 'site.*'],
      destination: { type: 'webhook', url: `${receiver.url}/created` },
      trigger_fields: ['meter_id', 'reading_count'],
      ordering: 'strict',
      rate_limit_per_second: 5,
    });
    await expect(detail('Event types').innerText()).resolves.toBe('meter.created, site.*');
    await expect(detail('Ordering').innerText()).resolves.toBe('strict');

    await page.getByRole('link', { name: 'All subscriptions' }).press('Enter');
    const row = page.locator('tbody tr', { hasText: 'Installed meters to billing' });
    await row.waitFor();
    await expect(row.innerText()).resolves.toMatch(
      /Installed meters to billing\s+webhook\s+\S+\/created\s+meter\.created, site\.\*\s+yes\s+active/,
    );
    await page.screenshot({ path: join(SCREENSHOTS, 'console-subscription-list.png') });
    await row.getByRole('link', { name: 'Installed meters to billing' }).press('Enter');
    await page.getByRole('heading', { name: 'Installed meters to billing' }).waitFor();
    expect(page.url()).toContain(`#/subscriptions/${id}`);
    expect(dialogs).toEqual([]);
    expect(cspViolations).toEqual([]);
  });

  it('edits a subscription, keeping its masked header, and disables, enables and deletes it', async () => {
    const subscription = await subscribe({
      description: 'Before the edit',
      destination: {
        type: 'webhook',
        url: `${receiver.url}/edited`,
        headers: { Authorization: 'Token abc' },
      },
    });
    await open(`#/subscriptions/${subscription.id}/edit`);
    await page.getByRole('heading', { name: 'Edit subscription' }).waitFor();
    const headerValue = page.getByLabel('Headers value 1');
    await expect(headerValue.getAttribute('type')).resolves.toBe('password');
    await expect(headerValue.inputValue()).resolves.toBe('********');
    await expect(page.getByLabel('Headers name 1').inputValue()).resolves.toBe('Authorization');
    await expect(page.getByLabel('meter.created', { exact: true }).isChecked()).resolves.toBe(true);
    await everyInputIsLabelled();

    await page.getByLabel('Description', { exact: true }).fill('After the edit');
    await page.getByRole('button', { name: 'Save subscription' }).press('Enter');
    await page.getByRole('heading', { name: 'After the edit' }).waitFor();
    expect((await stored(subscription.id)).body.description).toBe('After the edit');
    await expect(detail('Headers').innerText()).resolves.toBe('Authorization: ********');

    // The masked value went back unchanged, so the stored header is the one sent.
    await page.getByRole('button', { name: 'Send test event' }).click();
    await page.getByTestId('test-status-code').waitFor();
    const sent = await waitFor('the test event at the receiver', () =>
      receiver.requests.find((request) => request.path === '/edited'),
    );
    expect(sent.headers.authorization).toBe('Token abc');

    await page.getByRole('button', { name: 'Disable', exact: true }).press('Enter');
    await page.getByRole('button', { name: 'Enable', exact: true }).waitFor();
    await expect(page.getByTestId('subscription-status').innerText()).resolves.toBe(
      'disabled by you',
    );
    expect((await stored(subscription.id)).body.enabled).toBe(false);
    await page.getByRole('button', { name: 'Enable', exact: true }).press('Enter');
    await page.getByRole('button', { name: 'Disable', exact: true }).waitFor();
    await expect(page.getByTestId('subscription-status').innerText()).resolves.toBe('active');
    expect((await stored(subscription.id)).body.enabled).toBe(true);

    // Deleting asks first, in the page; keeping it changes nothing.
    await page.getByRole('button', { name: 'Delete', exact: true }).press('Enter');
    await page.getByRole('button', { name: 'Keep it' }).press('Enter');
    await page.getByRole('button', { name: 'Delete', exact: true }).waitFor();
    expect((await stored(subscription.id)).status).toBe(200);
    await page.getByRole('button', { name: 'Delete', exact: true }).press('Enter');
    await page.getByRole('button', { name: 'Yes, delete' }).press('Enter');
    await page.getByRole('heading', { name: 'Subscriptions' }).waitFor();
    await expect(page.locator('tbody tr', { hasText: 'After the edit' }).count()).resolves.toBe(0);
    expect((await stored(subscription.id)).status).toBe(404);
    expect(dialogs).toEqual([]);
    expect(cspViolations).toEqual([]);
  });

  it('draws SQS and email destinations from their descriptors, the SQS secret masked', async () => {
    const listed = await tenant.client.request<{ data: SubscriptionBody[] }>(
      'GET',
      '/v1/subscriptions?limit=100',
    );
    const queue = listed.body.data.find((one) => one.description === 'Billing queue');
    await open(`#/subscriptions/${queue?.id}`);
    await page.getByRole('heading', { name: 'Billing queue' }).waitFor();
    await expect(detail('Queue name').innerText()).resolves.toBe('billing-events');
    await expect(detail('Secret access key').innerText()).resolves.toBe('********');
    await expect(page.getByText('wJalrXUtnFEMI').count()).resolves.toBe(0);

    await page.getByRole('link', { name: 'Edit' }).press('Enter');
    await page.getByRole('heading', { name: 'Edit subscription' }).waitFor();
    await expect(page.getByLabel('Region (required)').inputValue()).resolves.toBe('eu-west-1');
    await expect(page.getByLabel('Access key ID').inputValue()).resolves.toBe(
      'AKIAIOSFODNN7EXAMPLE',
    );
    const secret = page.getByLabel('Secret access key');
    await expect(secret.getAttribute('type')).resolves.toBe('password');
    await expect(secret.inputValue()).resolves.toBe('********');
    await expect(page.getByLabel('Enabled').isChecked()).resolves.toBe(false);
    await everyInputIsLabelled();

    await page.getByLabel('Destination type').selectOption('email');
    await expect(page.getByLabel('Secret access key').count()).resolves.toBe(0);
    await page.getByLabel('To (required)').fill('ops@example.com\nnot-an-address');
    await page.getByRole('button', { name: 'Save subscription' }).press('Enter');
    await expect(page.getByRole('alert').innerText()).resolves.toMatch(
      /destination\.to\[1\]\s+must be an email address/,
    );
    // Back to SQS: what was shown is still there, and saving it unchanged keeps the queue.
    await page.getByLabel('Destination type').selectOption('sqs');
    await expect(page.getByLabel('Secret access key').inputValue()).resolves.toBe('********');
    await page.getByRole('button', { name: 'Save subscription' }).press('Enter');
    await page.getByRole('heading', { name: 'Billing queue' }).waitFor();
    const saved = await stored(queue?.id ?? '');
    expect(saved.body.destination).toEqual({
      type: 'sqs',
      region: 'eu-west-1',
      queue_name: 'billing-events',
      queue_url: null,
      access_key_id: 'AKIAIOSFODNN7EXAMPLE',
      secret_access_key: '********',
      endpoint_url: null,
    });
    expect(cspViolations).toEqual([]);
  });

  it('reveals the signing secret only when asked, and rotates it', async () => {
    const subscription = await subscribe({ description: 'Secret keeper' });
    await open(`#/subscriptions/${subscription.id}`);
    await page.getByRole('heading', { name: 'Secret keeper' }).waitFor();
    await expect(page.getByText(subscription.secret).count()).resolves.toBe(0);

    await page.getByRole('button', { name: 'Reveal secret' }).press('Enter');
    await expect(page.getByTestId('signing-secret').innerText()).resolves.toBe(subscription.secret);
    await page.getByRole('button', { name: 'Hide secret' }).press('Enter');
    await expect(page.getByTestId('signing-secret').count()).resolves.toBe(0);

    await page.getByRole('button', { name: 'Rotate secret' }).press('Enter');
    await page.getByRole('button', { name: 'Yes, rotate' }).press('Enter');
    await page.getByText('New secret').waitFor();
    const rotated = await page.getByTestId('signing-secret').innerText();
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(subscription.secret);
    const current = await tenant.client.request<{ secret: string }>(
      'GET',
      `/v1/subscriptions/${subscription.id}/secret`,
    );
    expect(current.body.secret).toBe(rotated);
    expect(dialogs).toEqual([]);
  });

  it('sends a test event to a real receiver and shows its attempt', async () => {
    receiver.respondWith((request) =>
      request.path === '/tested'
        ? { status: 202, body: '<b>accepted</b> <img src=x onerror="window.__pwned=1">' }
        : { status: 200, body: 'ok' },
    );
    try {
      const subscription = await subscribe({
        description: 'Test sends',
        destination: { type: 'webhook', url: `${receiver.url}/tested` },
      });
      await open(`#/subscriptions/${subscription.id}`);
      await page.getByRole('heading', { name: 'Test sends' }).waitFor();
      await page.getByRole('button', { name: 'Send test event' }).press('Enter');
      await page.getByTestId('test-status-code').waitFor({ timeout: 120_000 });
      await expect(page.getByTestId('test-status-code').innerText()).resolves.toBe('202');
      const attempt = page.getByTestId('test-attempt');
      await expect(
        attempt.locator('xpath=.//dt[.="Attempt"]/following-sibling::dd[1]').innerText(),
      ).resolves.toBe('succeeded');
      await expect(
        attempt.locator('xpath=.//dt[.="Duration"]/following-sibling::dd[1]').innerText(),
      ).resolves.toMatch(/^\d+ ms$/);
      await expect(attempt.locator('pre').innerText()).resolves.toBe(
        '<b>accepted</b> <img src=x onerror="window.__pwned=1">',
      );
      await expect(page.locator('main img, main b').count()).resolves.toBe(0);

      // The receiver got the catalog's example of the subscribed type, signed with the secret.
      const received = await waitFor('the test event at the receiver', () =>
        receiver.requests.find((request) => request.path === '/tested'),
      );
      const body = verifyWebhook<{ type: string; data: unknown }>(subscription.secret, received);
      expect(body.type).toBe('meter.created');
      expect(body.data).toEqual(METER_EXAMPLE);
      await page.screenshot({
        path: join(SCREENSHOTS, 'console-subscription-detail.png'),
        fullPage: true,
      });
      await expect(
        page.evaluate(() => (globalThis as { __pwned?: number }).__pwned ?? null),
      ).resolves.toBeNull();
      expect(dialogs).toEqual([]);
      expect(cspViolations).toEqual([]);
    } finally {
      receiver.respondWith(() => ({ status: 200, body: 'ok' }));
    }
  });

  it('shows the event type catalog with each type’s JSON Schema and example as text', async () => {
    await open('#/event-types');
    const meter = page.locator('article[data-event-type="meter.created"]');
    await meter.waitFor();
    await expect(meter.innerText()).resolves.toContain('A meter was installed.');
    const schema = await meter.getByTestId('event-type-schema').locator('pre').innerText();
    expect(JSON.parse(schema)).toEqual(METER_SCHEMA);
    expect(schema).toContain('"<b>not bold</b>"');
    const example = await meter.getByTestId('event-type-examples').locator('pre').innerText();
    expect(JSON.parse(example)).toEqual(METER_EXAMPLE);
    await expect(page.locator('main b').count()).resolves.toBe(0);
    await expect(
      page
        .locator('article[data-event-type="meter.updated"]')
        .getByTestId('event-type-schema')
        .innerText(),
    ).resolves.toBe('none');
    await everyInputIsLabelled();
    await page.screenshot({ path: join(SCREENSHOTS, 'console-event-types.png'), fullPage: true });

    // An archived type shows only when asked for, marked archived.
    const archived = await tenant.client.request('DELETE', '/v1/event-types/meter.updated');
    expect(archived.status).toBe(200);
    await page.reload();
    await meter.waitFor();
    await expect(page.locator('article[data-event-type="meter.updated"]').count()).resolves.toBe(0);
    await page.getByLabel('Show archived types').check();
    const shown = page.locator('article[data-event-type="meter.updated"]');
    await shown.waitFor();
    await expect(shown.locator('h2').innerText()).resolves.toContain('archived');
    const restored = await tenant.client.request('POST', '/v1/event-types/meter.updated/unarchive');
    expect(restored.status).toBe(200);
    expect(cspViolations).toEqual([]);
  });

  it('offers no action in a read-only console session', async () => {
    const subscription = await subscribe({ description: 'Look, do not touch' });
    const link = await operator.request<{ url: string }>('POST', '/v1/console-sessions', {
      tenant_id: tenant.tenantId,
      read_only: true,
    });
    expect(link.status).toBe(201);
    await page.goto(link.body.url);
    await page.getByRole('heading', { name: 'Subscriptions' }).waitFor();
    await page.locator('tbody tr', { hasText: 'Look, do not touch' }).waitFor();
    await expect(page.getByRole('link', { name: 'New subscription' }).count()).resolves.toBe(0);
    await expect(page.locator('main button').count()).resolves.toBe(0);

    await page.locator('tbody tr', { hasText: 'Look, do not touch' }).getByRole('link').click();
    await page.getByRole('heading', { name: 'Look, do not touch' }).waitFor();
    await expect(detail('Status').innerText()).resolves.toBe('active');
    for (const name of [
      'Disable',
      'Enable',
      'Delete',
      'Reveal secret',
      'Rotate secret',
      'Send test event',
    ]) {
      await expect(page.getByRole('button', { name, exact: true }).count()).resolves.toBe(0);
    }
    await expect(page.getByRole('link', { name: 'Edit' }).count()).resolves.toBe(0);
    // Only the stats' window choice, which changes nothing, takes input on a read-only page.
    await expect(
      page.locator('main :is(input, textarea, select):not(.stats *)').count(),
    ).resolves.toBe(0);
    await expect(page.getByLabel('Window').count()).resolves.toBe(1);

    await showPage(`#/subscriptions/${subscription.id}/edit`);
    await expect(page.getByRole('alert').innerText()).resolves.toContain('read-only');
    await expect(page.locator('main input, main textarea, main select').count()).resolves.toBe(0);
  });

  it('says "Subscription not found" for another tenant’s subscription, as the API does', async () => {
    const other = await operator.createTenant('console subscriptions e2e, another tenant');
    const theirs = await subscribe({ description: 'Not yours' }, other.client);
    expect((await stored(theirs.id)).status).toBe(404);

    await open(`#/subscriptions/${theirs.id}`);
    await page.getByRole('heading', { name: 'Subscription not found' }).waitFor();
    await expect(page.getByText('Not yours').count()).resolves.toBe(0);
    await showPage(`#/subscriptions/${theirs.id}/edit`);
    await expect(page.getByRole('alert').innerText()).resolves.toBe('Subscription not found.');
    await expect(page.locator('main input').count()).resolves.toBe(0);
  });
});
