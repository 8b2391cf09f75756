import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import type { Browser, Page } from 'playwright-core';
import { ApiClient, launchChromium, testConfig, waitFor, WebhookReceiver } from '@herald/testing';
import { buildConsole } from './support/build-console';
import { startHerald, untilIngestKnows, type RunningHerald } from './support/herald-harness';

const ROOT = resolve(__dirname, '..');
const SCREENSHOTS = join(ROOT, 'docs', 'screenshots');

/** A payload that would run if the console ever rendered it as HTML. */
const HOSTILE_DATA = {
  meter_id: 'm-1',
  note: '<script>window.__pwned=1</script>',
  label: '<img src=x onerror="window.__pwned=2">',
};

interface Tenant {
  tenantId: string;
  apiKey: string;
  client: ApiClient;
}

interface EventDetail {
  id: string;
  data: unknown;
  deliveries: { id: string; subscription_id: string; origin: string; status: string }[];
}

describe('the console: events, deliveries and dead letters in a real browser', () => {
  let herald: RunningHerald;
  let browser: Browser;
  let receiver: WebhookReceiver;
  let producer: Producer;
  let tenant: Tenant;
  let other: Tenant;
  let meters: { id: string };
  let alarms: { id: string };
  let page: Page;
  /** The endpoint behind `alarms` answers 500 until it recovers. */
  let alarmsDown = true;
  const startedAt = Date.now();
  const dialogs: string[] = [];
  const cspViolations: string[] = [];

  async function subscribe(
    owner: Tenant,
    body: { description: string; event_types: string[]; path: string },
  ): Promise<{ id: string }> {
    const created = await owner.client.request<{ id: string }>('POST', '/v1/subscriptions', {
      description: body.description,
      event_types: body.event_types,
      destination: { type: 'webhook', url: `${receiver.url}${body.path}` },
    });
    expect(created.status).toBe(201);
    // Publishing before event-ingest holds the subscription would race it.
    await untilIngestKnows(herald, created.body.id);
    return created.body;
  }

  /** Publishes over HTTP as the tenant's own service would, and returns the event's id. */
  async function publish(owner: Tenant, type: string, data: unknown): Promise<string> {
    const accepted = await owner.client.request<{ id: string }>('POST', '/v1/events', {
      type,
      data,
    });
    expect(accepted.status).toBe(202);
    return accepted.body.id;
  }

  /** The event once stored with `deliveries` deliveries, each settled as `status`. */
  async function settledEvent(
    owner: Tenant,
    eventId: string,
    deliveries: number,
    status: string,
  ): Promise<EventDetail> {
    return waitFor(
      `event ${eventId} with ${deliveries} ${status} deliveries`,
      async () => {
        const found = await owner.client.request<EventDetail>('GET', `/v1/events/${eventId}`);
        return (
          found.status === 200 &&
          found.body.deliveries.length === deliveries &&
          found.body.deliveries.every((delivery) => delivery.status === status) &&
          found.body
        );
      },
      60_000,
      250,
    );
  }

  beforeAll(async () => {
    buildConsole();
    herald = await startHerald(testConfig());
    browser = await launchChromium();
    receiver = await WebhookReceiver.start();
    receiver.respondWith((request) =>
      request.path === '/alarms' && alarmsDown
        ? { status: 500, body: '<b>boom</b> <img src=x onerror="window.__pwned=3">' }
        : { status: 200, body: 'ok' },
    );
    producer = new Kafka({
      clientId: 'console-activity-e2e',
      brokers: herald.config.kafka.brokers,
      logLevel: logLevel.NOTHING,
    }).producer();
    await producer.connect();
    const operator = new ApiClient(herald.apiUrl, herald.config.auth.adminToken);
    tenant = await operator.createTenant('console activity e2e');
    other = await operator.createTenant('console activity e2e, another tenant');
    meters = await subscribe(tenant, {
      description: 'Meter readings',
      event_types: ['meter.read'],
      path: '/meters',
    });
    alarms = await subscribe(tenant, {
      description: 'Site alarms',
      event_types: ['site.alarm'],
      path: '/alarms',
    });
  }, 600_000);

  beforeEach(async () => {
    dialogs.length = 0;
    cspViolations.length = 0;
    page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
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
    await Promise.allSettled([
      browser?.close(),
      producer?.disconnect(),
      receiver?.stop(),
      herald?.stop(),
    ]);
  });

  /** Every input, select and text area on the page has a label that names it. */
  async function everyInputIsLabelled(): Promise<void> {
    const fields = await page.locator('input, select, textarea').all();
    expect(fields.length).toBeGreaterThan(0);
    for (const field of fields) {
      const id = await field.getAttribute('id');
      expect(id).toBeTruthy();
      await expect(page.locator(`label[for="${id}"]`).innerText()).resolves.not.toBe('');
    }
  }

  /** Presses Tab until `selector` has the focus, as a keyboard user reaches it. */
  async function tabTo(selector: string): Promise<void> {
    const focused = page.locator(`${selector}:focus`);
    for (let presses = 0; presses < 60 && (await focused.count()) === 0; presses += 1) {
      await page.keyboard.press('Tab');
    }
    await expect(focused.count()).resolves.toBe(1);
  }

  async function signIn(as: Tenant = tenant): Promise<void> {
    await page.goto(`${herald.apiUrl}/console`);
    await page.getByLabel('API key').fill(as.apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Subscriptions' }).waitFor();
  }

  /** Opens a console address (`#/…`) in the signed-in tab. */
  async function open(fragment: string): Promise<void> {
    await page.goto(`${herald.apiUrl}/console/${fragment}`);
  }

  /** One attribute of every element `selector` finds, in document order. */
  async function attributes(selector: string, name: string): Promise<(string | null)[]> {
    const elements = await page.locator(selector).all();
    return Promise.all(elements.map((element) => element.getAttribute(name)));
  }

  /** A time as a `datetime-local` value in the browser's own zone, to the minute. */
  async function localMinute(ms: number): Promise<string> {
    return page.evaluate((at) => {
      const time = new Date(at);
      const pad = (n: number) => String(n).padStart(2, '0');
      return `${time.getFullYear()}-${pad(time.getMonth() + 1)}-${pad(time.getDate())}T${pad(
        time.getHours(),
      )}:${pad(time.getMinutes())}`;
    }, ms);
  }

  async function nothingRan(): Promise<void> {
    const injected = {
      pwned: await page.evaluate(() => (globalThis as { __pwned?: unknown }).__pwned ?? null),
      images: await page.locator('img').count(),
    };
    expect(injected).toEqual({ pwned: null, images: 0 });
    expect(dialogs).toEqual([]);
    expect(cspViolations).toEqual([]);
  }

  it('finds an event by type and shows its payload as text, its delivery and attempt; replay makes a second delivery and retry now a third', async () => {
    const eventId = 'evt-console-hostile';
    await producer.send({
      topic: 'herald.events.inbound',
      messages: [
        {
          value: JSON.stringify({
            id: eventId,
            tenant_id: tenant.tenantId,
            type: 'meter.read',
            subject: 'site/1/meter/m-1',
            data: HOSTILE_DATA,
          }),
        },
      ],
    });
    const noise = await publish(tenant, 'site.opened', { site: 1 });
    const stored = await settledEvent(tenant, eventId, 1, 'succeeded');
    await settledEvent(tenant, noise, 0, 'succeeded');

    await signIn();
    await open('#/events');
    await page.locator(`tr[data-event-id="${noise}"]`).waitFor();
    await everyInputIsLabelled();
    // Keyboard only: Tab to the type, type it, Enter searches.
    await tabTo('#events-type');
    await page.keyboard.type('meter.*');
    await page.keyboard.press('Enter');
    await waitFor('the search by type', async () =>
      (await page.locator(`tr[data-event-id="${noise}"]`).count()) === 0 ? true : undefined,
    );
    await expect(page.locator('tbody tr td:nth-child(2)').allInnerTexts()).resolves.toEqual([
      'meter.read',
    ]);
    // A time range that ends before the test began finds nothing.
    await page.getByLabel('Received before').fill(await localMinute(startedAt - 60_000));
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('No events found.').waitFor();
    await page.getByLabel('Received before').fill('');
    await page.getByLabel('Received from').fill(await localMinute(startedAt - 60_000));
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator(`tr[data-event-id="${eventId}"]`).waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'console-events.png') });

    await tabTo(`a[href="#/events/${eventId}"]`);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: `Event ${eventId}` }).waitFor();
    // The payload as PostgreSQL keeps it (its own key order), as indented JSON text.
    expect(stored.data).toEqual(HOSTILE_DATA);
    const payload = await page.locator('pre.payload').innerText();
    expect(payload).toBe(JSON.stringify(stored.data, null, 2));
    expect(payload).toContain('<script>window.__pwned=1</script>');
    expect(payload).toContain('<img src=x onerror=\\"window.__pwned=2\\">');
    await expect(page.locator('.fields').first().innerText()).resolves.toContain(
      'site/1/meter/m-1',
    );
    // Back to the list by its crumb: the search is as it was left.
    await page.locator('.crumbs a').click();
    await page.locator(`tr[data-event-id="${eventId}"]`).waitFor();
    await expect(page.locator('#events-type').inputValue()).resolves.toBe('meter.*');
    await expect(page.locator('tbody tr').count()).resolves.toBe(1);
    await page.locator(`a[href="#/events/${eventId}"]`).click();
    await page.getByRole('heading', { name: `Event ${eventId}` }).waitFor();
    const [first] = stored.deliveries;
    const row = page.locator(`tr[data-delivery-id="${first.id}"]`);
    await expect(row.innerText()).resolves.toMatch(
      new RegExp(`${first.id}\\s+${meters.id}\\s+event\\s+succeeded\\s+1`),
    );
    await nothingRan();

    // Replay: a second delivery, of origin replay, listed once it is sent.
    await page.getByRole('button', { name: 'Replay' }).click();
    await expect(page.getByRole('status').innerText()).resolves.toBe('Replayed as 1 new delivery.');
    const replayed = await settledEvent(tenant, eventId, 2, 'succeeded');
    const second = replayed.deliveries.find((delivery) => delivery.origin === 'replay');
    expect(second).toBeDefined();
    await page
      .locator(`tr[data-delivery-id="${second?.id}"]`, { hasText: 'succeeded' })
      .waitFor({ timeout: 30_000 });
    await expect(page.locator('table.deliveries tbody tr').count()).resolves.toBe(2);
    await expect(page.locator('table.deliveries tbody tr').last().innerText()).resolves.toMatch(
      /\breplay\s+succeeded\s+1\b/,
    );
    await page.screenshot({ path: join(SCREENSHOTS, 'console-event.png'), fullPage: true });

    // The delivery's page: its one attempt, answered 200.
    await page.locator(`a[href="#/deliveries/${first.id}"]`).click();
    await page.getByRole('heading', { name: `Delivery ${first.id}` }).waitFor();
    const attempt = page.locator('.timeline li[data-attempt="1"]');
    await expect(attempt.locator('.status-code').innerText()).resolves.toBe('200');
    await expect(attempt.innerText()).resolves.toMatch(/Attempt 1\s+succeeded/);
    await expect(page.locator('.timeline > li').count()).resolves.toBe(1);

    // Retry now: a new delivery of origin retry, whose page follows it until it is sent.
    await page.getByRole('button', { name: 'Retry now' }).click();
    await expect(page.getByRole('status').innerText()).resolves.toMatch(
      /^Sent again as delivery dlv_\w+\.$/,
    );
    await page.locator('.result a').click();
    await page.getByRole('heading', { name: /^Delivery / }).waitFor();
    const retried = page.locator('.fields').first();
    await expect(retried.innerText()).resolves.toMatch(/Origin\s+retry/);
    await expect(retried.innerText()).resolves.toMatch(new RegExp(`Webhook id\\s+${first.id}`));
    await page.locator('.fields', { hasText: 'succeeded' }).first().waitFor({ timeout: 30_000 });
    await nothingRan();
  });

  it('shows a failing endpoint’s retries, then its dead letters, and redrives one, several and a subscription’s since a time once it recovers', async () => {
    const eventIds = [
      await publish(tenant, 'site.alarm', { alarm: 'a-1' }),
      await publish(tenant, 'site.alarm', { alarm: 'a-2' }),
      await publish(tenant, 'site.alarm', { alarm: 'a-3' }),
    ];
    const [oneId, severalId, rangeId] = (
      await Promise.all(eventIds.map((id) => settledEvent(tenant, id, 1, 'dead')))
    ).map((event) => event.deliveries[0].id);

    await signIn();
    // The timeline: three attempts (the schedule is 1s, 2s), each answered 500, then dead.
    await open(`#/deliveries/${oneId}`);
    await page.getByRole('heading', { name: `Delivery ${oneId}` }).waitFor();
    await expect(page.locator('.fields').first().innerText()).resolves.toMatch(/Status\s+dead/);
    await expect(page.locator('.timeline > li').count()).resolves.toBe(3);
    for (const attempt of [1, 2, 3]) {
      const item = page.locator(`.timeline li[data-attempt="${attempt}"]`);
      await expect(item.locator('.status-code').innerText()).resolves.toBe('500');
      await expect(item.locator('.error-class').innerText()).resolves.toBe('retryable');
      await expect(item.locator('pre.excerpt').innerText()).resolves.toBe(
        '<b>boom</b> <img src=x onerror="window.__pwned=3">',
      );
    }
    // The first two failures name the attempt that followed; the last, none.
    const times = await attributes('.timeline li time', 'datetime');
    expect(times).toHaveLength(5);
    expect([times[1], times[3]]).toEqual([times[2], times[4]]);
    expect(new Set(times).size).toBe(3);
    await expect(page.locator('.timeline li[data-attempt="3"]').innerText()).resolves.toMatch(
      /Next attempt\s+none/,
    );
    await nothingRan();
    await page.screenshot({ path: join(SCREENSHOTS, 'console-delivery.png'), fullPage: true });

    await open('#/dead-letters');
    await page.getByRole('heading', { name: 'Dead letters', exact: true }).waitFor();
    for (const id of [oneId, severalId, rangeId]) {
      await page.locator(`tr[data-delivery-id="${id}"]`).waitFor();
    }
    await everyInputIsLabelled();
    await page.screenshot({ path: join(SCREENSHOTS, 'console-dead-letters.png'), fullPage: true });
    alarmsDown = false;

    // One, by its row's button.
    await page.getByRole('button', { name: `Redrive ${oneId}` }).click();
    await expect(page.getByRole('status').innerText()).resolves.toMatch(
      /^Redriven 1 dead letter\./,
    );
    await page.locator(`tr[data-delivery-id="${oneId}"]`).waitFor({ state: 'detached' });

    // Several, by selecting them with the keyboard.
    await tabTo(`#select-${severalId}`);
    await page.keyboard.press('Space');
    await expect(page.locator(`#select-${severalId}`).isChecked()).resolves.toBe(true);
    await page.getByRole('button', { name: 'Redrive selected (1)' }).click();
    await page.locator(`tr[data-delivery-id="${severalId}"]`).waitFor({ state: 'detached' });
    await expect(page.getByRole('status').innerText()).resolves.toMatch(
      /^Redriven 1 dead letter\./,
    );

    // A subscription's since a time: only the one not sent again yet.
    await page.getByLabel('Subscription', { exact: true }).last().selectOption(alarms.id);
    await page.getByLabel('Since').fill(await localMinute(startedAt - 60_000));
    await page.getByRole('button', { name: 'Redrive since' }).click();
    await page.locator(`tr[data-delivery-id="${rangeId}"]`).waitFor({ state: 'detached' });
    await expect(page.getByRole('status').innerText()).resolves.toMatch(
      /^Redriven 1 dead letter\./,
    );
    await page.getByText('No dead letters.').waitFor();

    // Delivered: the redrive's new delivery succeeds, as its page shows.
    await page.locator('.result a').click();
    await page.getByRole('heading', { name: /^Delivery / }).waitFor();
    await page.locator('.fields', { hasText: 'succeeded' }).first().waitFor({ timeout: 30_000 });
    await expect(
      page.locator('.timeline li[data-attempt="1"] .status-code').innerText(),
    ).resolves.toBe('200');
    for (const eventId of eventIds) {
      const event = await waitFor(`event ${eventId} delivered by its redrive`, async () => {
        const found = await tenant.client.request<EventDetail>('GET', `/v1/events/${eventId}`);
        return found.body.deliveries.some(
          (delivery) => delivery.origin === 'retry' && delivery.status === 'succeeded',
        )
          ? found.body
          : undefined;
      });
      expect(event.deliveries.map((delivery) => delivery.status).sort()).toEqual([
        'dead',
        'succeeded',
      ]);
    }
    await nothingRan();
  });

  it("filters the delivery log by status and subscription with the keyboard, opens one subscription's log, and exports it as CSV", async () => {
    const dead = await tenant.client.request<{ data: { id: string }[] }>(
      'GET',
      `/v1/deliveries?status=dead&subscription_id=${alarms.id}`,
    );
    expect(dead.body.data).toHaveLength(3);
    const deadIds = dead.body.data.map((delivery) => delivery.id).sort();

    await signIn();
    await open('#/deliveries');
    await page.getByRole('heading', { name: 'Deliveries' }).waitFor();
    await page.locator('table.deliveries tbody tr').first().waitFor();
    await everyInputIsLabelled();
    // Keyboard only: a select takes a choice from its first letter; Enter in a field filters.
    await tabTo('#deliveries-status');
    await page.keyboard.type('dead');
    await tabTo('#deliveries-text');
    await page.keyboard.type('site.alarm');
    await page.keyboard.press('Enter');
    await waitFor('the log filtered to dead deliveries', async () => {
      const statuses = await page.locator('table.deliveries .status').allInnerTexts();
      return statuses.length === 3 && statuses.every((status) => status === 'dead');
    });
    const listed = await attributes('table.deliveries tbody tr', 'data-delivery-id');
    expect(listed.sort()).toEqual(deadIds);
    await page.screenshot({ path: join(SCREENSHOTS, 'console-deliveries.png'), fullPage: true });

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('deliveries.csv');
    const csv = await readFile(await download.path(), 'utf8');
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'id,webhook_id,subscription_id,event_id,event_type,origin,status,attempts,next_attempt_at,last_attempt_at,created_at,updated_at',
    );
    expect(
      lines
        .slice(1)
        .map((line) => line.split(',')[0])
        .sort(),
    ).toEqual(deadIds);
    await expect(page.getByRole('status').innerText()).resolves.toBe(
      'Exported 3 deliveries as CSV.',
    );

    // One subscription's log, as the subscription's page links to it.
    await open(`#/deliveries/subscription/${meters.id}`);
    await expect(page.locator('#deliveries-subscription').inputValue()).resolves.toBe(meters.id);
    await waitFor("the log of the meters' subscription", async () => {
      const rows = await page.locator('table.deliveries tbody tr').allInnerTexts();
      return rows.length === 3 && rows.every((row) => row.includes(meters.id)) ? rows : undefined;
    });
    expect(dialogs).toEqual([]);
    expect(cspViolations).toEqual([]);
  });

  it("says not found for another tenant's event and delivery, as the API does", async () => {
    const theirs = await subscribe(other, {
      description: 'Their meters',
      event_types: ['meter.read'],
      path: '/theirs',
    });
    const eventId = await publish(other, 'meter.read', { meter_id: 'theirs' });
    const event = await settledEvent(other, eventId, 1, 'succeeded');
    expect(event.deliveries[0].subscription_id).toBe(theirs.id);
    const deliveryId = event.deliveries[0].id;
    await expect(tenant.client.request('GET', `/v1/events/${eventId}`)).resolves.toMatchObject({
      status: 404,
    });
    await expect(
      tenant.client.request('GET', `/v1/deliveries/${deliveryId}`),
    ).resolves.toMatchObject({ status: 404 });

    await signIn();
    await open(`#/events/${eventId}`);
    await page.getByRole('heading', { name: 'Event not found' }).waitFor();
    await open(`#/deliveries/${deliveryId}`);
    await page.getByRole('heading', { name: 'Delivery not found' }).waitFor();
    await expect(page.locator('main').innerText()).resolves.not.toContain('theirs');
  });

  it('offers no replay, retry or redrive in a read-only session', async () => {
    const link = await tenant.client.request<{ url: string }>('POST', '/v1/console-sessions', {
      read_only: true,
    });
    expect(link.status).toBe(201);
    const delivery = await tenant.client.request<{ data: { id: string; event_id: string }[] }>(
      'GET',
      `/v1/deliveries?status=dead&subscription_id=${alarms.id}`,
    );
    const [dead] = delivery.body.data;

    await page.goto(link.body.url);
    await page.getByRole('heading', { name: 'Subscriptions' }).waitFor();
    await open(`#/events/${dead.event_id}`);
    await page.getByRole('heading', { name: `Event ${dead.event_id}` }).waitFor();
    await page.locator('table.deliveries tbody tr').first().waitFor();
    await expect(page.locator('main button').count()).resolves.toBe(0);
    await open(`#/deliveries/${dead.id}`);
    await page.getByRole('heading', { name: `Delivery ${dead.id}` }).waitFor();
    await expect(page.locator('main button').count()).resolves.toBe(0);
    await open('#/dead-letters');
    await page.getByRole('heading', { name: 'Dead letters', exact: true }).waitFor();
    await page.getByLabel('Include those sent again').check();
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.locator(`tr[data-delivery-id="${dead.id}"]`).waitFor();
    await expect(page.locator('main button').allInnerTexts()).resolves.toEqual(['Filter']);
    await expect(page.locator('main input[type="checkbox"]').count()).resolves.toBe(1);
    await expect(page.getByRole('heading', { name: /Redrive/ }).count()).resolves.toBe(0);
  });
});
