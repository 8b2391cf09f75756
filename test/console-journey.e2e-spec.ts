import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { HeraldPublisher } from '@herald/producer';
import {
  ApiClient,
  launchChromium,
  testConfig,
  verifyWebhook,
  waitFor,
  WebhookReceiver,
} from '@herald/testing';
import { buildConsole } from './support/build-console';
import { startHerald, untilIngestKnows, type RunningHerald } from './support/herald-harness';

const ROOT = resolve(__dirname, '..');
const SCREENSHOTS = join(ROOT, 'docs', 'screenshots');

/** Generous for a machine of two cores that other suites share: waits end on what they wait for. */
const SLOW = 60_000;

const EVENT_TYPE = 'meter_data.received';
const DESCRIPTION = 'Meter readings to our billing service';
const RECEIVER_PATH = '/hooks/journey';
const DATA = { meter_id: 'm-42', reading_kwh: 12.5, read_at: '2026-12-03T09:00:00Z' };

interface EventDetail {
  id: string;
  type: string;
  data: unknown;
  deliveries: { id: string; subscription_id: string; origin: string; status: string }[];
}

interface DeliveredBody {
  id: string;
  type: string;
  subscription_id: string;
  delivery_id: string;
  data: unknown;
}

describe('the console: a new tenant’s first journey, from its API key to a replayed delivery', () => {
  let herald: RunningHerald;
  let browser: Browser;
  let receiver: WebhookReceiver;
  let publisher: HeraldPublisher;
  let tenant: { tenantId: string; apiKey: string; client: ApiClient };
  let page: Page;
  const dialogs: string[] = [];
  const cspViolations: string[] = [];

  beforeAll(async () => {
    buildConsole();
    herald = await startHerald(testConfig());
    browser = await launchChromium();
    receiver = await WebhookReceiver.start();
    // The tenant's own service publishes to Kafka with Herald's producer library.
    publisher = await HeraldPublisher.connect({
      brokers: herald.config.kafka.brokers,
      clientId: 'console-journey-e2e',
    });
    // The operator creates the tenant and its first API key, through the API.
    const operator = new ApiClient(herald.apiUrl, herald.config.auth.adminToken);
    tenant = await operator.createTenant('console journey e2e');
  }, 600_000);

  beforeEach(() => {
    dialogs.length = 0;
    cspViolations.length = 0;
  });

  afterAll(async () => {
    // Every step runs even when one before it fails, or a browser would outlive the suite.
    await Promise.allSettled([
      page?.close(),
      browser?.close(),
      publisher?.disconnect(),
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
    for (let presses = 0; presses < 80 && (await focused.count()) === 0; presses += 1) {
      await page.keyboard.press('Tab');
    }
    await expect(focused.count()).resolves.toBe(1);
  }

  /** Reaches a link or button with Tab and follows it with Enter. */
  async function follow(selector: string): Promise<void> {
    await tabTo(selector);
    await page.keyboard.press('Enter');
  }

  /** The text of a detail list's entry, by its term. */
  function detail(term: string) {
    return page.locator(`xpath=//dt[normalize-space(.)="${term}"]/following-sibling::dd[1]`);
  }

  /** The event as the API stores it, once it has `count` deliveries that all succeeded. */
  async function deliveredEvent(eventId: string, count: number): Promise<EventDetail> {
    return waitFor(
      `event ${eventId} with ${count} succeeded deliveries`,
      async () => {
        const found = await tenant.client.request<EventDetail>('GET', `/v1/events/${eventId}`);
        return (
          found.status === 200 &&
          found.body.deliveries.length === count &&
          found.body.deliveries.every((delivery) => delivery.status === 'succeeded') &&
          found.body
        );
      },
      SLOW * 2,
      250,
    );
  }

  it('signs in with the key, subscribes through the form, sees the event from Kafka delivered, and replays it', async () => {
    page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    page.setDefaultTimeout(SLOW);
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });

    // Signing in with the keyboard: Tab reaches the key, Enter submits it.
    await page.goto(`${herald.apiUrl}/console`);
    await page.getByLabel('API key').waitFor();
    await everyInputIsLabelled();
    await page.keyboard.press('Tab');
    await expect(page.locator('#api-key:focus').count()).resolves.toBe(1);
    await page.keyboard.type(tenant.apiKey);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Subscriptions', exact: true }).waitFor();
    // A new tenant has none yet.
    await page.getByText('No subscriptions yet.').waitFor();
    expect(page.url()).not.toContain(tenant.apiKey);

    // Subscriptions → New subscription.
    await follow('a[href="#/subscriptions/new"]');
    await page.getByRole('heading', { name: 'New subscription' }).waitFor();
    await page.getByLabel('Description', { exact: true }).waitFor();
    // The new tenant's catalog is empty: the event type is typed.
    await page.getByText('The catalog has no event types yet.').waitFor();
    await everyInputIsLabelled();
    await expect(page.getByLabel('Destination type').inputValue()).resolves.toBe('webhook');

    await tabTo('#subscription-description');
    await page.keyboard.type(DESCRIPTION);
    await tabTo('#destination-webhook-url');
    await page.keyboard.type(`${receiver.url}${RECEIVER_PATH}`);
    await tabTo('#subscription-other-types');
    await page.keyboard.type(EVENT_TYPE);
    await expect(page.getByLabel('Enabled').isChecked()).resolves.toBe(true);
    await follow('button[type="submit"]');

    // Saved: the subscription's own page shows it.
    await page.getByRole('heading', { name: DESCRIPTION }).waitFor();
    const subscriptionId = decodeURIComponent(
      /#\/subscriptions\/([^/]+)$/.exec(page.url())?.[1] ?? '',
    );
    expect(subscriptionId).toMatch(/^sub_/);
    await expect(detail('Id').innerText()).resolves.toBe(subscriptionId);
    await expect(detail('Status').innerText()).resolves.toBe('active');
    await expect(detail('Destination type').innerText()).resolves.toBe('webhook');
    await expect(detail('URL').innerText()).resolves.toBe(`${receiver.url}${RECEIVER_PATH}`);
    await expect(detail('Event types').innerText()).resolves.toBe(EVENT_TYPE);
    const stored = await tenant.client.request<{
      description: string;
      enabled: boolean;
      event_types: string[];
      destination: { type: string; url: string };
    }>('GET', `/v1/subscriptions/${subscriptionId}`);
    expect(stored.body).toMatchObject({
      description: DESCRIPTION,
      enabled: true,
      event_types: [EVENT_TYPE],
      destination: { type: 'webhook', url: `${receiver.url}${RECEIVER_PATH}` },
    });
    const secret = await tenant.client.request<{ secret: string }>(
      'GET',
      `/v1/subscriptions/${subscriptionId}/secret`,
    );
    expect(secret.status).toBe(200);

    // The tenant's service publishes an event of that type to Kafka's inbound topic. (Publishing
    // before event-ingest holds the new subscription would race it.)
    await untilIngestKnows(herald, subscriptionId);
    const [eventId, otherId] = await publisher.publish(
      { tenant_id: tenant.tenantId, type: EVENT_TYPE, subject: 'site/7/meter/m-42', data: DATA },
      // Another type, which nothing subscribes to: the search by type leaves it out.
      { tenant_id: tenant.tenantId, type: 'site.opened', data: { site_id: 7 } },
    );
    const published = await deliveredEvent(eventId, 1);
    await deliveredEvent(otherId, 0);
    const [first] = published.deliveries;
    expect(first).toMatchObject({ subscription_id: subscriptionId, origin: 'event' });

    // Deliveries, from the navigation: the delivery, then its page with the attempt.
    await follow('nav a[href="#/deliveries"]');
    await page.getByRole('heading', { name: 'Deliveries', exact: true }).waitFor();
    const logRow = page.locator(`tr[data-delivery-id="${first.id}"]`);
    await logRow.waitFor();
    await expect(logRow.innerText()).resolves.toMatch(
      new RegExp(`${first.id}\\s+${EVENT_TYPE}\\s+${subscriptionId}\\s+event\\s+succeeded\\s+1\\b`),
    );
    await everyInputIsLabelled();
    await follow(`a[href="#/deliveries/${first.id}"]`);
    await page.getByRole('heading', { name: `Delivery ${first.id}` }).waitFor();
    await expect(page.locator('.fields').first().innerText()).resolves.toMatch(
      /Status\s+succeeded/,
    );
    await expect(page.locator('.timeline > li').count()).resolves.toBe(1);
    const attempt = page.locator('.timeline li[data-attempt="1"]');
    await expect(attempt.innerText()).resolves.toMatch(/Attempt 1\s+succeeded/);
    await expect(attempt.locator('.status-code').innerText()).resolves.toMatch(/^2\d\d$/);

    // Events, from the navigation: searched by type, and opened.
    await follow('nav a[href="#/events"]');
    await page.getByRole('heading', { name: 'Events', exact: true }).waitFor();
    await page.locator(`tr[data-event-id="${eventId}"]`).waitFor();
    await page.locator(`tr[data-event-id="${otherId}"]`).waitFor();
    await everyInputIsLabelled();
    await tabTo('#events-type');
    await page.keyboard.type(EVENT_TYPE);
    await page.keyboard.press('Enter');
    await page.locator(`tr[data-event-id="${otherId}"]`).waitFor({ state: 'detached' });
    await expect(page.locator('tbody tr').allInnerTexts()).resolves.toEqual([
      expect.stringContaining(`${eventId}\t${EVENT_TYPE}\tsite/7/meter/m-42`),
    ]);
    await follow(`a[href="#/events/${eventId}"]`);
    await page.getByRole('heading', { name: `Event ${eventId}` }).waitFor();
    await expect(page.locator('.fields').first().innerText()).resolves.toMatch(
      new RegExp(`Type\\s+${EVENT_TYPE}\\s+Subject\\s+site/7/meter/m-42`),
    );
    // The payload as text: the stored JSON, indented.
    expect(published.data).toEqual(DATA);
    const payload = await page.locator('pre.payload').innerText();
    expect(payload).toBe(JSON.stringify(published.data, null, 2));
    expect(JSON.parse(payload)).toEqual(DATA);
    const deliveries = page.locator('table.deliveries tbody tr');
    await expect(deliveries.count()).resolves.toBe(1);
    await expect(deliveries.first().innerText()).resolves.toMatch(
      new RegExp(`${first.id}\\s+${subscriptionId}\\s+event\\s+succeeded\\s+1\\b`),
    );

    // Replay: a second delivery of the same event, listed on its page once it succeeded.
    await follow('button:has-text("Replay")');
    await expect(page.getByRole('status').innerText()).resolves.toBe('Replayed as 1 new delivery.');
    await waitFor(
      'both deliveries listed as succeeded',
      async () => {
        const statuses = await page.locator('table.deliveries .status').allInnerTexts();
        return statuses.length === 2 && statuses.every((status) => status === 'succeeded');
      },
      SLOW * 2,
      250,
    );
    const replayed = await deliveredEvent(eventId, 2);
    const second = replayed.deliveries.find((delivery) => delivery.id !== first.id);
    expect(second).toMatchObject({ subscription_id: subscriptionId, origin: 'replay' });
    await expect(page.locator(`tr[data-delivery-id="${second?.id}"]`).innerText()).resolves.toMatch(
      /\breplay\s+succeeded\s+1\b/,
    );

    // The receiver really got the event twice, once per delivery, signed with the secret.
    const received = await waitFor('both deliveries at the receiver', () => {
      const requests = receiver.distinctRequestsTo(RECEIVER_PATH);
      return requests.length >= 2 && requests;
    });
    expect(received).toHaveLength(2);
    expect(received.map((request) => request.headers['webhook-id'])).toEqual([
      first.id,
      second?.id,
    ]);
    const bodies = received.map((request) =>
      verifyWebhook<DeliveredBody>(secret.body.secret, request),
    );
    for (const [index, body] of bodies.entries()) {
      expect(body).toMatchObject({
        id: eventId,
        type: EVENT_TYPE,
        subscription_id: subscriptionId,
        delivery_id: received[index].headers['webhook-id'],
        data: DATA,
      });
    }

    await page.screenshot({ path: join(SCREENSHOTS, 'console-journey.png'), fullPage: true });

    // The subscription's page charts both deliveries: its stats count two, both succeeded.
    await page.goto(`${herald.apiUrl}/console/#/subscriptions/${subscriptionId}`);
    await page.getByRole('heading', { name: 'Deliveries and latency' }).waitFor();
    const totals = page.locator('[data-totals]');
    await totals.waitFor();
    await expect(totals.innerText()).resolves.toMatch(/Deliveries\s+2\s+Succeeded\s+2\b/);
    await expect(
      page
        .getByRole('img', { name: /Deliveries by outcome, .*: 2 deliveries, 2 succeeded/ })
        .count(),
    ).resolves.toBe(1);

    expect(dialogs).toEqual([]);
    expect(cspViolations).toEqual([]);
  }, 600_000);
});
