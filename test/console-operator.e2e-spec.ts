import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ApiClient, launchChromium, testConfig, waitFor, WebhookReceiver } from '@herald/testing';
import { buildConsole } from './support/build-console';
import { startHerald, untilIngestKnows, type RunningHerald } from './support/herald-harness';
import { buildStatsHarness, serveStatsHarness } from './support/stats-harness';

const ROOT = resolve(__dirname, '..');
const SCREENSHOTS = join(ROOT, 'docs', 'screenshots');

type ErrorBody = { error: { code: string; message: string } };
type Stats = {
  window: string;
  bucket_seconds: number;
  buckets: { start: string; deliveries: number; succeeded: number; attempts: number }[];
  totals: {
    deliveries: number;
    succeeded: number;
    attempts: number;
    latency_ms: { p50: number | null; p95: number | null; p99: number | null };
  };
};

describe("the console's operator pages in a real browser", () => {
  let herald: RunningHerald;
  let browser: Browser;
  let operator: ApiClient;
  let anonymous: ApiClient;
  let page: Page;
  const dialogs: string[] = [];
  const cspViolations: string[] = [];

  // Long enough for scripts/ensure-chromium.sh to install Chromium on a machine without it.
  beforeAll(async () => {
    buildConsole();
    buildStatsHarness();
    herald = await startHerald(testConfig());
    browser = await launchChromium();
    operator = new ApiClient(herald.apiUrl, herald.config.auth.adminToken);
    anonymous = new ApiClient(herald.apiUrl, null);
  }, 600_000);

  beforeEach(async () => {
    dialogs.length = 0;
    cspViolations.length = 0;
    page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    watch(page);
  });

  afterEach(async () => {
    await page?.close();
  });

  afterAll(async () => {
    await Promise.allSettled([browser?.close(), herald?.stop()]);
  });

  function watch(watched: Page): void {
    watched.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    watched.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
  }

  /** Every input, select and text area on the page has a label that names it. */
  async function everyInputIsLabelled(on: Page = page): Promise<void> {
    const fields = await on.locator('input, select, textarea').all();
    expect(fields.length).toBeGreaterThan(0);
    for (const field of fields) {
      const id = await field.getAttribute('id');
      expect(id).toBeTruthy();
      await expect(on.locator(`label[for="${id}"]`).innerText()).resolves.not.toBe('');
    }
  }

  /** The operator signs in with the admin token, by keyboard alone. */
  async function signInAsOperator(): Promise<void> {
    await page.goto(`${herald.apiUrl}/console`);
    await page.keyboard.press('Tab');
    await expect(page.locator('#api-key:focus').count()).resolves.toBe(1);
    await page.keyboard.type(herald.config.auth.adminToken ?? '');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Tenants', exact: true }).waitFor();
  }

  async function openTenant(tenantId: string, name: string): Promise<void> {
    await page.goto(`${herald.apiUrl}/console/#/tenants/${tenantId}`);
    await page.getByRole('heading', { name, exact: true }).waitFor();
  }

  it('signs the operator in with the admin token, creates a tenant and an API key shown once, which works until it is revoked', async () => {
    await signInAsOperator();
    await expect(page.locator('nav a').allInnerTexts()).resolves.toEqual(['Tenants']);
    await expect(
      page.evaluate(
        () => JSON.parse(sessionStorage.getItem('herald.console.view') ?? '{}') as object,
      ),
    ).resolves.toMatchObject({ operator: true, readOnly: false });
    expect(page.url()).not.toContain(herald.config.auth.adminToken ?? '');
    await everyInputIsLabelled();

    await page.getByLabel('New tenant’s name').fill('Acme Solar');
    await page.getByRole('button', { name: 'Create tenant' }).click();
    await page.getByRole('heading', { name: 'Acme Solar', exact: true }).waitFor();
    const tenantId = /#\/tenants\/(ten_[0-9a-z]+)$/.exec(page.url())?.[1] ?? '';
    expect(tenantId).not.toBe('');
    const stored = await operator.request<{ name: string }>('GET', `/v1/tenants/${tenantId}`);
    expect(stored.body.name).toBe('Acme Solar');
    await page.getByText('No API keys yet.').waitFor();
    await everyInputIsLabelled();

    await page.getByLabel('New key’s name').fill('billing service');
    await page.getByRole('button', { name: 'Create API key' }).click();
    const shown = page.locator('#new-api-key');
    await shown.waitFor();
    const key = await shown.inputValue();
    expect(key).toMatch(/^hk_/);
    // Focused and selected, ready to copy.
    await expect(page.locator('#new-api-key:focus').count()).resolves.toBe(1);
    await expect(page.getByText('Herald keeps only a hash of it').count()).resolves.toBe(1);
    const asTenant = anonymous.withToken(key);
    expect((await asTenant.request('GET', '/v1/subscriptions')).status).toBe(200);
    await page.locator('tr', { hasText: 'billing service' }).waitFor();

    // Shown once: after Done it is nowhere on the page, nor after a reload.
    await page.getByRole('button', { name: 'Done' }).click();
    await expect(shown.count()).resolves.toBe(0);
    await expect(page.locator('body').innerText()).resolves.not.toContain(key);
    await page.reload();
    await page.locator('tr', { hasText: 'billing service' }).waitFor();
    await expect(page.locator('body').innerText()).resolves.not.toContain(key);
    await expect(page.locator('tr', { hasText: 'billing service' }).innerText()).resolves.toContain(
      key.slice(0, 6),
    );

    // Revoking asks in place; the keyboard confirms.
    await page.getByRole('button', { name: 'Revoke billing service' }).click();
    await expect(page.locator('button:focus').innerText()).resolves.toBe('Yes, revoke');
    await expect(
      page.getByRole('group', { name: /Revoke “billing service”\?/ }).count(),
    ).resolves.toBe(1);
    await page.keyboard.press('Escape');
    await expect(page.locator('button:focus').innerText()).resolves.toBe('Revoke billing service');
    expect((await asTenant.request('GET', '/v1/subscriptions')).status).toBe(200);
    await page.keyboard.press('Enter');
    // The confirmation takes the focus once it is drawn; Enter before that would miss it.
    await page.locator('button:focus', { hasText: 'Yes, revoke' }).waitFor();
    await page.keyboard.press('Enter');
    await page.locator('tr', { hasText: 'billing service' }).getByText('revoked').waitFor();
    const refused = await asTenant.request<ErrorBody>('GET', '/v1/subscriptions');
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('unauthorized');

    await page.getByRole('link', { name: '← Tenants' }).click();
    // Other suites' tenants share the database: the new one may be past the first page.
    const row = page.locator(`tr[data-tenant-id="${tenantId}"]`);
    await waitFor('the tenant in the list', async () => {
      if ((await row.count()) > 0) return true;
      const more = page.getByRole('button', { name: 'Load more' });
      if ((await more.count()) > 0) await more.click();
      return false;
    });
    await expect(page.locator(`tr[data-tenant-id="${tenantId}"]`).innerText()).resolves.toContain(
      'Acme Solar',
    );
    await page.screenshot({ path: join(SCREENSHOTS, 'console-tenants.png') });
    expect(dialogs).toEqual([]);
    expect(cspViolations).toEqual([]);
  });

  it('refuses a token that is neither a key nor the operator’s', async () => {
    await page.goto(`${herald.apiUrl}/console`);
    await page.getByLabel('API key').fill('not-the-admin-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').innerText()).resolves.toBe('That API key is not valid.');
    await expect(
      page.evaluate(() => sessionStorage.getItem('herald.console.apiKey')),
    ).resolves.toBeNull();
  });

  it('makes a read-only console link for a tenant, shown once, which opens its console until it is revoked', async () => {
    const tenant = await operator.createTenant('Linked tenant');
    const subscribed = await tenant.client.request('POST', '/v1/subscriptions', {
      description: 'Meters to billing',
      event_types: ['meter.*'],
      destination: { type: 'webhook', url: 'http://127.0.0.1:9/hooks' },
    });
    expect(subscribed.status).toBe(201);
    await signInAsOperator();
    await openTenant(tenant.tenantId, 'Linked tenant');
    await page.getByText('No console links yet.').waitFor();

    await page.getByLabel('Read-only').check();
    await page.getByLabel('Subscriptions').check();
    await page.getByLabel('Deliveries').check();
    await page.getByLabel('Session lasts').selectOption('8h');
    await everyInputIsLabelled();
    await page.getByRole('button', { name: 'Create console link' }).click();
    const shown = page.locator('#new-console-link');
    await shown.waitFor();
    const url = await shown.inputValue();
    expect(url).toMatch(/\/console\/#token=hcl_/);
    const row = page.locator('tbody tr', { hasText: 'link not used yet' });
    await row.waitFor();
    await expect(row.innerText()).resolves.toMatch(
      /operator\s+read-only\s+Subscriptions, Deliveries/,
    );
    const listed = await operator.request<{
      data: { id: string; read_only: boolean; pages: string[]; expires_at: string }[];
    }>('GET', `/v1/console-sessions?tenant_id=${tenant.tenantId}`);
    expect(listed.body.data).toHaveLength(1);
    expect(listed.body.data[0]).toMatchObject({
      read_only: true,
      pages: ['subscriptions', 'deliveries'],
    });
    const lasts = Date.parse(listed.body.data[0].expires_at) - Date.now();
    expect(lasts).toBeGreaterThan(7.9 * 3_600_000);
    expect(lasts).toBeLessThanOrEqual(8 * 3_600_000);
    await page.screenshot({ path: join(SCREENSHOTS, 'console-tenant.png'), fullPage: true });

    // Opened in another tab: the tenant's console, read-only, with the link's pages only.
    const linked = await browser.newPage();
    watch(linked);
    try {
      await linked.goto(url);
      await linked.locator('tbody tr', { hasText: 'Meters to billing' }).waitFor();
      await expect(linked.locator('.shell').innerText()).resolves.toContain('Read-only');
      await expect(linked.locator('nav a').allInnerTexts()).resolves.toEqual([
        'Subscriptions',
        'Deliveries',
      ]);
      const sessionKey = await linked.evaluate(() =>
        sessionStorage.getItem('herald.console.apiKey'),
      );
      expect(sessionKey).toMatch(/^hcs_/);
      const session = anonymous.withToken(sessionKey ?? '');
      expect((await session.request('GET', '/v1/subscriptions')).status).toBe(200);

      // The operator's list shows it open; revoking it ends the session.
      await page.getByRole('button', { name: 'Done' }).click();
      await page.reload();
      const open = page.locator('tbody tr', { hasText: 'open' });
      await open.waitFor();
      await open.getByRole('button', { name: 'Revoke' }).click();
      await page.getByRole('button', { name: 'Yes, revoke' }).click();
      await page.locator('tbody tr', { hasText: 'revoked' }).waitFor();
      const refused = await session.request<ErrorBody>('GET', '/v1/subscriptions');
      expect(refused.status).toBe(401);
      expect(refused.body.error.code).toBe('session_revoked');
      await linked.reload();
      await linked.getByLabel('API key').waitFor();
      await expect(
        linked.evaluate(() => sessionStorage.getItem('herald.console.apiKey')),
      ).resolves.toBeNull();
      // The link itself was used once and is revoked: it opens nothing.
      await linked.goto('about:blank');
      await linked.goto(url);
      await expect(linked.getByRole('alert').innerText()).resolves.toMatch(/revoked|used already/);
    } finally {
      await linked.close();
    }

    // Revoke all: two fresh links, both refused once revoked.
    const links: string[] = [];
    for (let n = 0; n < 2; n++) {
      await page.getByRole('button', { name: 'Create console link' }).click();
      await page.locator('#new-console-link').waitFor();
      links.push(await page.locator('#new-console-link').inputValue());
      await page.getByRole('button', { name: 'Done' }).click();
    }
    await waitFor(
      'both links listed',
      async () => (await page.locator('tbody tr', { hasText: 'link not used yet' }).count()) === 2,
    );
    await page.getByRole('button', { name: 'Revoke all' }).click();
    await page.getByRole('button', { name: 'Yes, revoke all' }).click();
    await expect(page.getByRole('status').innerText()).resolves.toBe('2 revoked.');
    for (const link of links) {
      const exchanged = await anonymous.request<ErrorBody>(
        'POST',
        '/v1/console-sessions/exchange',
        { token: new URL(link).hash.replace(/^#token=/, '') },
      );
      expect(exchanged.status).toBe(401);
      expect(exchanged.body.error.code).toBe('link_revoked');
    }
    expect(dialogs).toEqual([]);
    expect(cspViolations).toEqual([]);
  });

  it("serves a tenant's subscription stats once events are delivered", async () => {
    const receiver = await WebhookReceiver.start();
    try {
      const tenant = await operator.createTenant('Stats tenant');
      const created = await tenant.client.request<{ id: string }>('POST', '/v1/subscriptions', {
        description: 'Readings to the receiver',
        event_types: ['meter.*'],
        destination: { type: 'webhook', url: `${receiver.url}/hooks` },
      });
      expect(created.status).toBe(201);
      const subscriptionId = created.body.id;
      await untilIngestKnows(herald, subscriptionId);
      for (let n = 0; n < 3; n++) {
        const accepted = await tenant.client.request('POST', '/v1/events', {
          type: 'meter.created',
          data: { meter_id: `m-${n}` },
        });
        expect(accepted.status).toBe(202);
      }
      const stats = await waitFor('three deliveries to succeed', async () => {
        const answer = await tenant.client.request<Stats>(
          'GET',
          `/v1/subscriptions/${subscriptionId}/stats?window=1h`,
        );
        return answer.body.totals.succeeded === 3 && answer.body;
      });
      expect(receiver.distinctRequestsTo('/hooks')).toHaveLength(3);
      expect(stats).toMatchObject({ window: '1h', bucket_seconds: 300 });
      expect(stats.buckets).toHaveLength(12);
      expect(stats.totals).toMatchObject({ deliveries: 3, succeeded: 3, attempts: 3 });
      expect(stats.totals.latency_ms.p50).toBeGreaterThan(0);
      expect(stats.buckets.reduce((sum, bucket) => sum + bucket.succeeded, 0)).toBe(3);

      // The charts, on a page of their own (no console page shows them yet) under the console's
      // policy, with the API on the page's origin as in the console.
      const policy = (await fetch(`${herald.apiUrl}/console`)).headers.get(
        'content-security-policy',
      );
      const harness = await serveStatsHarness(herald.apiUrl, policy ?? '');
      try {
        await page.goto(`${harness.url}/#${subscriptionId}`);
        await page.evaluate(
          (key) => sessionStorage.setItem('herald.harness.apiKey', key),
          tenant.apiKey,
        );
        await page.reload();
        const outcomes = page.locator('svg[data-chart="outcomes"]');
        await outcomes.waitFor();
        await expect(outcomes.getAttribute('aria-label')).resolves.toMatch(
          /^Deliveries by outcome, last 24 hours, in buckets of an hour: 3 deliveries, 3 succeeded, 0 dead-lettered\./,
        );
        await expect(
          outcomes.locator('rect[data-outcome="succeeded"]').count(),
        ).resolves.toBeGreaterThanOrEqual(1);
        await expect(outcomes.locator('rect[data-outcome="dead"]').count()).resolves.toBe(0);
        await expect(
          page.locator('svg[data-chart="latency"] [data-line="p50"]').count(),
        ).resolves.toBeGreaterThanOrEqual(1);
        await expect(page.locator('[data-totals]').innerText()).resolves.toMatch(
          /Deliveries\s+3\s+Succeeded\s+3\s+Retrying\s+0\s+Pending\s+0\s+Failed\s+0\s+Dead-lettered\s+0\s+Attempts\s+3/,
        );
        await everyInputIsLabelled();

        // By keyboard: the window select, then the table of every bucket.
        await page.keyboard.press('Tab');
        await expect(page.locator('select:focus').getAttribute('id')).resolves.toBe(
          `stats-window-${subscriptionId}`,
        );
        await page.getByLabel('Window').selectOption('1h');
        await waitFor('the hour’s chart', async () =>
          /last hour, in buckets of 5 minutes: 3 deliveries/.test(
            (await page.locator('svg[data-chart="outcomes"]').getAttribute('aria-label')) ?? '',
          ),
        );
        await page.locator('summary').focus();
        await page.keyboard.press('Enter');
        const rows = page.locator('.stats-table tbody tr');
        await expect(rows.count()).resolves.toBe(12);
        const counted = await page.locator('.stats-table tbody tr td:nth-child(2)').allInnerTexts();
        expect(counted.reduce((sum, text) => sum + Number(text), 0)).toBe(3);
        await page.locator('summary').press('Enter');
        await page.screenshot({ path: join(SCREENSHOTS, 'console-stats.png'), fullPage: true });
        await expect(page.locator('[style]').count()).resolves.toBe(0);
        expect(cspViolations).toEqual([]);
      } finally {
        await harness.stop();
      }

      const other = await operator.createTenant('Stats intruder');
      const foreign = await other.client.request<ErrorBody>(
        'GET',
        `/v1/subscriptions/${subscriptionId}/stats`,
      );
      expect(foreign.status).toBe(404);
      expect(foreign.body.error.code).toBe('not_found');
    } finally {
      await receiver.stop();
    }
  });
});
