import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import type { Browser, Page } from 'playwright-core';
import { ApiClient, launchChromium, testConfig, waitFor } from '@herald/testing';
import { buildConsole } from './support/build-console';
import { startHerald, type RunningHerald } from './support/herald-harness';

const ROOT = resolve(__dirname, '..');
const SCREENSHOTS = join(ROOT, 'docs', 'screenshots');

/** Text that would run if the console ever rendered it as HTML. */
const SCRIPT_PAYLOAD = '<script>window.__pwned = "script"</script>';
const IMG_PAYLOAD = '<img src=x onerror="window.__pwned = \'img\'; alert(1)">';

describe('the console in a real browser', () => {
  let herald: RunningHerald;
  let browser: Browser;
  let tenant: { tenantId: string; apiKey: string; client: ApiClient };
  let page: Page;
  const dialogs: string[] = [];
  const cspViolations: string[] = [];

  // Long enough for scripts/ensure-chromium.sh to install Chromium on a machine without it.
  beforeAll(async () => {
    buildConsole();
    herald = await startHerald(testConfig());
    browser = await launchChromium();
    const operator = new ApiClient(herald.apiUrl, herald.config.auth.adminToken);
    tenant = await operator.createTenant('console e2e');
    for (const body of [
      {
        description: 'Meter readings to the billing service',
        event_types: ['meter.created', 'meter.updated'],
        destination: { type: 'webhook', url: 'http://127.0.0.1:9/hooks/meters' },
      },
      {
        description: `${SCRIPT_PAYLOAD} ${IMG_PAYLOAD}`,
        event_types: ['site.created'],
        enabled: false,
        destination: {
          type: 'webhook',
          url: 'http://127.0.0.1:9/hooks/<img src=x onerror=alert(2)>',
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
    page = await browser.newPage({ viewport: { width: 1100, height: 520 } });
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
    // Every step runs even when one before it fails, or a browser would outlive the suite.
    await Promise.allSettled([browser?.close(), herald?.stop()]);
  });

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

  async function signIn(): Promise<void> {
    await page.goto(`${herald.apiUrl}/console`);
    await everyInputIsLabelled();
    // Keyboard only: the key field takes focus from Tab and Enter submits the form.
    await page.keyboard.press('Tab');
    await expect(page.locator('#api-key:focus').count()).resolves.toBe(1);
    await page.keyboard.type(tenant.apiKey);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Subscriptions' }).waitFor();
    await page.locator('tbody tr').first().waitFor();
  }

  it('is served under /console with a policy that allows no inline script and denies framing', async () => {
    const response = await fetch(`${herald.apiUrl}/console`);
    expect(response.status).toBe(200);
    const policy = response.headers.get('content-security-policy') ?? '';
    expect(policy.split('; ')).toEqual(
      expect.arrayContaining(["script-src 'self'", "frame-ancestors 'none'"]),
    );
    expect(policy).not.toContain('unsafe-inline');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    const html = await response.text();
    // Every script is a file from 'self'; none is inline.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);

    const asset = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    const script = await fetch(`${herald.apiUrl}${asset}`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-security-policy')).toBe(policy);
    expect((await fetch(`${herald.apiUrl}/console/assets/..%2Fconsole%2Findex.html`)).status).toBe(
      404,
    );
  });

  it("signs a tenant in with its API key, kept in sessionStorage and never in the URL, and lists the tenant's subscriptions", async () => {
    await signIn();
    const rows = page.locator('tbody tr');
    await expect(rows.count()).resolves.toBe(2);
    const meters = page.locator('tr', { hasText: 'Meter readings to the billing service' });
    await expect(meters.innerText()).resolves.toMatch(
      /http:\/\/127\.0\.0\.1:9\/hooks\/meters\s+meter\.created, meter\.updated\s+yes\s+active/,
    );
    expect(page.url()).not.toContain(tenant.apiKey);
    await expect(
      page.evaluate(() => sessionStorage.getItem('herald.console.apiKey')),
    ).resolves.toBe(tenant.apiKey);
    expect(cspViolations).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'console-subscriptions.png') });

    // Keyboard only: Tab reaches the navigation, then Sign out, and Enter signs out.
    const signOut = page.locator('button:focus', { hasText: 'Sign out' });
    for (let presses = 0; presses < 20 && (await signOut.count()) === 0; presses += 1) {
      await page.keyboard.press('Tab');
    }
    await page.keyboard.press('Enter');
    await page.getByLabel('API key').waitFor();
    await expect(
      page.evaluate(() => sessionStorage.getItem('herald.console.apiKey')),
    ).resolves.toBeNull();
  });

  it('refuses a key that is not valid and keeps nothing', async () => {
    await page.goto(`${herald.apiUrl}/console`);
    await page.getByLabel('API key').waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'console-sign-in.png') });
    await page.getByLabel('API key').fill('hk_not_a_real_key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').innerText()).resolves.toBe('That API key is not valid.');
    await expect(
      page.evaluate(() => sessionStorage.getItem('herald.console.apiKey')),
    ).resolves.toBeNull();
  });

  it('shows <script> and <img onerror> in a description and a URL as text, and runs nothing', async () => {
    await signIn();
    const row = page.locator('tbody tr', { hasText: SCRIPT_PAYLOAD });
    await expect(row.locator('td').first().innerText()).resolves.toBe(
      `${SCRIPT_PAYLOAD} ${IMG_PAYLOAD}`,
    );
    await expect(row.innerText()).resolves.toContain('site.created\tno\tactive');
    const listed = await tenant.client.request<{
      data: { description: string | null; destination: { url: string } }[];
    }>('GET', '/v1/subscriptions');
    const url = listed.body.data.find((subscription) =>
      subscription.description?.startsWith(SCRIPT_PAYLOAD),
    )?.destination.url;
    expect(url).toContain('onerror');
    await expect(row.locator('code').innerText()).resolves.toBe(url);
    const injected = {
      pwned: await page.evaluate(() => (globalThis as { __pwned?: string }).__pwned ?? null),
      images: await page.locator('img').count(),
      scripts: await page.locator('script').count(),
    };
    // The one script is the console's own bundle.
    expect(injected).toEqual({ pwned: null, images: 0, scripts: 1 });
    expect(dialogs).toEqual([]);
    expect(cspViolations).toEqual([]);
  });

  it('opens a console link once, as a read-only session that lists but cannot change anything, until it is revoked', async () => {
    const operator = new ApiClient(herald.apiUrl, herald.config.auth.adminToken);
    const link = await operator.request<{ url: string }>('POST', '/v1/console-sessions', {
      tenant_id: tenant.tenantId,
      read_only: true,
    });
    expect(link.status).toBe(201);
    expect(link.body.url).toMatch(/\/console\/#token=hcl_/);

    await page.goto(link.body.url);
    await page.locator('tbody tr').first().waitFor();
    await expect(page.locator('tbody tr').count()).resolves.toBe(2);
    await expect(page.locator('.shell').innerText()).resolves.toContain('Read-only');
    // The token left the address bar and the history before anything was shown.
    expect(page.url()).toBe(`${herald.apiUrl}/console/`);
    // Back is the blank page the tab opened on, forward the console without the token.
    await page.goBack();
    expect(page.url()).toBe('about:blank');
    await page.goForward();
    expect(page.url()).toBe(`${herald.apiUrl}/console/`);
    await page.locator('tbody tr').first().waitFor();

    // The session's key, used as the console would, may read but not write.
    const tried = await page.evaluate(async () => {
      const key = sessionStorage.getItem('herald.console.apiKey') ?? '';
      const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
      const read = await fetch('/v1/subscriptions', { headers });
      const write = await fetch('/v1/subscriptions', {
        method: 'POST',
        headers,
        body: JSON.stringify({
          event_types: ['meter.created'],
          destination: { type: 'webhook', url: 'http://127.0.0.1:9/hooks/more' },
        }),
      });
      const refused = (await write.json()) as { error: { code: string } };
      return {
        key: key.slice(0, 4),
        read: read.status,
        write: write.status,
        code: refused.error.code,
      };
    });
    expect(tried).toEqual({ key: 'hcs_', read: 200, write: 403, code: 'read_only' });

    // Once only: the same link in another tab says so and signs nothing in.
    const again = await browser.newPage();
    try {
      await again.goto(link.body.url);
      await expect(again.getByRole('alert').innerText()).resolves.toBe(
        'This console link has been used already. Ask for a new one.',
      );
      await expect(again.getByLabel('API key').count()).resolves.toBe(1);
    } finally {
      await again.close();
    }

    // Revoked by the operator: the next load finds the session refused and asks for a key.
    const revoked = await operator.request<{ revoked: number }>(
      'POST',
      '/v1/console-sessions/revoke-all',
      { tenant_id: tenant.tenantId },
    );
    expect(revoked.status).toBe(200);
    await page.reload();
    await page.getByLabel('API key').waitFor();
    await expect(
      page.evaluate(() => sessionStorage.getItem('herald.console.apiKey')),
    ).resolves.toBeNull();
    expect(dialogs).toEqual([]);
    expect(cspViolations).toEqual([]);
  });

  it('stops a console session when it expires, and refuses a link past its ten minutes', async () => {
    const db = new Client({ connectionString: herald.config.database.url });
    await db.connect();
    try {
      const link = await tenant.client.request<{ id: string; url: string }>(
        'POST',
        '/v1/console-sessions',
        { read_only: true, expires_in: '5m' },
      );
      await page.goto(link.body.url);
      await page.locator('tbody tr').first().waitFor();
      // Its end comes (as five minutes would): the next load asks for a key.
      await db.query(
        "UPDATE console_sessions SET expires_at = now() - interval '1 second' WHERE id = $1",
        [link.body.id],
      );
      await page.reload();
      await page.getByLabel('API key').waitFor();
      await expect(
        page.evaluate(() => sessionStorage.getItem('herald.console.apiKey')),
      ).resolves.toBeNull();

      // A link nobody opened within its ten minutes says it expired, and signs nothing in.
      const late = await tenant.client.request<{ id: string; url: string }>(
        'POST',
        '/v1/console-sessions',
        {},
      );
      await db.query(
        "UPDATE console_sessions SET link_expires_at = now() - interval '1 second' WHERE id = $1",
        [late.body.id],
      );
      await page.goto(late.body.url);
      await expect(page.getByRole('alert').innerText()).resolves.toBe(
        'This console link has expired. Ask for a new one.',
      );
      await expect(page.getByLabel('API key').count()).resolves.toBe(1);
    } finally {
      await db.end();
    }
  });

  it("ends a console link's session for good when its user signs out", async () => {
    const link = await tenant.client.request<{ id: string; url: string }>(
      'POST',
      '/v1/console-sessions',
      { pages: ['subscriptions'] },
    );
    expect(link.status).toBe(201);
    await page.goto(link.body.url);
    await page.locator('tbody tr').first().waitFor();
    await expect(page.locator('.shell').innerText()).resolves.not.toContain('Read-only');
    await expect(page.locator('nav a').allInnerTexts()).resolves.toEqual(['Subscriptions']);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    const session = await waitFor('the session to be revoked', async () => {
      const listed = await tenant.client.request<{
        data: { id: string; revoked_at: string | null }[];
      }>('GET', '/v1/console-sessions');
      const found = listed.body.data.find((one) => one.id === link.body.id);
      return found?.revoked_at ? found : undefined;
    });
    expect(session.revoked_at).not.toBeNull();
  });

  it("wears a console link's theme: its accent, its logo and a dark scheme", async () => {
    const theme = { accent: '#0a7d55', logo_url: 'https://logo.example/acme.svg', mode: 'dark' };
    const link = await tenant.client.request<{ url: string }>('POST', '/v1/console-sessions', {
      theme,
    });
    expect(link.status).toBe(201);
    await page.goto(link.body.url);
    await page.locator('tbody tr').first().waitFor();
    // Evaluated in the page, written as text: this file is compiled without the DOM's types.
    const look = await page.evaluate(`(() => {
      const root = document.documentElement;
      const current = document.querySelector('nav a[aria-current="page"]');
      return {
        accent: getComputedStyle(root).getPropertyValue('--accent').trim(),
        scheme: getComputedStyle(root).colorScheme,
        underline: current ? getComputedStyle(current).textDecorationColor : null,
      };
    })()`);
    expect(look).toEqual({ accent: '#0a7d55', scheme: 'dark', underline: 'rgb(10, 125, 85)' });
    await expect(page.locator('.brand img').getAttribute('src')).resolves.toBe(theme.logo_url);
    await expect(page.locator('.brand').innerText()).resolves.not.toContain('Herald');
    // The theme was set through the CSSOM: the policy saw no inline style.
    expect(cspViolations).toEqual([]);

    // Signing out puts the console's own look back.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    await expect(
      page.evaluate(`({
        accent: getComputedStyle(document.documentElement).getPropertyValue('--accent').trim(),
        theme: document.documentElement.dataset.theme,
      })`),
    ).resolves.toEqual({ accent: '#3f51b5', theme: 'auto' });
  });

  /** A page on another origin (localhost, where Herald is on 127.0.0.1) that frames `url`. */
  async function embeddingPage(url: () => string, test: (origin: string) => Promise<void>) {
    const embedding: Server = createServer((_request, response) => {
      response.setHeader('content-type', 'text/html');
      response.end(`<iframe id="console" src="${url()}"></iframe>`);
    });
    await new Promise<void>((listening) => embedding.listen(0, '127.0.0.1', listening));
    try {
      await test(`http://localhost:${(embedding.address() as AddressInfo).port}`);
    } finally {
      embedding.closeAllConnections();
      await new Promise((closed) => embedding.close(closed));
    }
  }

  it('can be framed by the origins in HERALD_CONSOLE_FRAME_ANCESTORS', async () => {
    let embedded: RunningHerald | undefined;
    try {
      await embeddingPage(
        () => `${embedded?.apiUrl}/console`,
        async (origin) => {
          embedded = await startHerald(testConfig({ HERALD_CONSOLE_FRAME_ANCESTORS: origin }), {
            services: [],
          });
          const response = await fetch(`${embedded.apiUrl}/console`);
          expect(response.headers.get('content-security-policy')).toContain(
            `frame-ancestors ${origin}`,
          );
          expect(response.headers.get('x-frame-options')).toBeNull();
          await page.goto(`${origin}/`);
          const frame = await (await page.waitForSelector('#console')).contentFrame();
          // Signed in inside the frame, though the browser denies it storage there.
          await frame?.getByLabel('API key').fill(tenant.apiKey);
          await frame?.getByRole('button', { name: 'Sign in' }).click();
          await frame?.locator('tbody tr').first().waitFor();
        },
      );
    } finally {
      // The browser's keep-alive connections would hold the server's close.
      await page.close();
      await embedded?.stop();
    }
  });

  it('cannot be framed by another origin by default', async () => {
    await embeddingPage(
      () => `${herald.apiUrl}/console`,
      async (origin) => {
        await page.goto(`${origin}/`);
        const frame = await (await page.waitForSelector('#console')).contentFrame();
        // Chromium shows its error page in place of a document whose policy refuses the frame.
        await waitFor('the framed console to be refused', () =>
          frame?.url().startsWith('chrome-error:'),
        );
        await expect(frame?.locator('#app').count()).resolves.toBe(0);
      },
    );
  });
});
