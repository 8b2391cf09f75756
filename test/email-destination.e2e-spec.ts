import { ApiClient, testConfig, waitFor } from '@herald/testing';
import { startHerald, type RunningHerald } from './support/herald-harness';
import { mailHeader, mimeParts, SmtpReceiver } from './support/smtp-receiver';

type Delivery = { id: string; status: string; attempts: number };
type DeliveryDetail = {
  id: string;
  status: string;
  attempts: {
    attempt: number;
    outcome: string;
    status_code: number | null;
    error_class: string | null;
    error_message: string | null;
  }[];
};

/**
 * Every Herald of a test run shares the `herald.deliverer` consumer group, so a delivery may be taken
 * by the Herald of a suite running alongside, which has no SMTP server and records this `ours`
 * failure (then the delivery is retried, possibly here). Only the attempts that reached SMTP are
 * this suite's to judge.
 */
const NOT_CONFIGURED = 'email is not configured: HERALD_SMTP_URL is not set';
const smtpAttempts = (delivery: DeliveryDetail) =>
  delivery.attempts
    .filter((a) => a.error_message !== NOT_CONFIGURED)
    .map((a) => [a.outcome, a.status_code, a.error_class]);

describe('email destination: events mailed through SMTP', () => {
  let herald: RunningHerald;
  let smtp: SmtpReceiver;
  let operator: ApiClient;

  beforeAll(async () => {
    smtp = await SmtpReceiver.start();
    herald = await startHerald(testConfig({ HERALD_SMTP_URL: smtp.url }));
    operator = new ApiClient(herald.apiUrl, herald.config.auth.adminToken);
  });

  afterAll(async () => {
    await herald.stop();
    await smtp.stop();
  });

  async function subscribeAndPublish(name: string, to: string[], eventType: string) {
    const { client } = await operator.createTenant(name);
    const subscription = await client.request<{ id: string; destination: unknown }>(
      'POST',
      '/v1/subscriptions',
      { event_types: [eventType], destination: { type: 'email', to } },
    );
    expect(subscription.status).toBe(201);
    const event = await client.request<{ id: string }>('POST', '/v1/events', {
      type: eventType,
      occurred_at: '2024-05-02T12:31:26.257Z',
      data: { meter_id: 'm-1', customer: { name: 'Ada' } },
    });
    expect(event.status).toBe(202);
    return { client, subscription: subscription.body, eventId: event.body.id };
  }

  async function deliveryOf(client: ApiClient, eventId: string, status: string) {
    return waitFor(`the delivery of ${eventId} to be ${status}`, async () => {
      const page = await client.request<{ data: Delivery[] }>(
        'GET',
        `/v1/deliveries?event_id=${encodeURIComponent(eventId)}&status=${status}`,
      );
      const delivery = page.body.data?.[0];
      if (!delivery) return undefined;
      const detail = await client.request<DeliveryDetail>('GET', `/v1/deliveries/${delivery.id}`);
      return detail.body;
    });
  }

  it('mails an event to every recipient with subject, readable body, headers and event.json', async () => {
    const to = ['csm@openvolt.test', 'ops@openvolt.test'];
    const { client, subscription, eventId } = await subscribeAndPublish(
      'Openvolt',
      to,
      'hosted_consent.revoked',
    );
    expect(subscription.destination).toEqual({ type: 'email', to });

    const mail = await waitFor('the mail to arrive', () =>
      smtp.messages.find((m) => m.to.includes('csm@openvolt.test')),
    );
    expect(mail.to).toEqual(to);
    expect(mail.from).toBe('herald@localhost');
    expect(mailHeader(mail.raw, 'Subject')).toBe('[Herald] hosted_consent.revoked');
    expect(mailHeader(mail.raw, 'From')).toBe('Herald <herald@localhost>');
    expect(mailHeader(mail.raw, 'To')).toBe('csm@openvolt.test, ops@openvolt.test');
    const deliveryId = mailHeader(mail.raw, 'X-Herald-Delivery-Id');
    expect(deliveryId).toMatch(/^dlv_/);
    expect(mailHeader(mail.raw, 'X-Herald-Event-Id')).toBe(eventId);

    const parts = mimeParts(mail.raw);
    const text = parts.find((p) => /content-type:\s*text\/plain/i.test(p.headers));
    const attachment = parts.find((p) => /filename="?event\.json/i.test(p.headers));
    expect(text?.content).toContain('Event type:      hosted_consent.revoked');
    expect(text?.content).toContain('Time:            2024-05-02T12:31:26.257Z');
    expect(text?.content).toContain(`Event id:        ${eventId}`);
    expect(text?.content).toContain(`Delivery id:     ${deliveryId}`);
    expect(text?.content).toContain(`Subscription id: ${subscription.id}`);
    expect(text?.content).toContain('"customer": {\n    "name": "Ada"\n  }');
    expect(attachment?.headers).toMatch(/content-type:\s*application\/json/i);
    expect(JSON.parse(attachment?.content ?? 'null')).toEqual({
      id: eventId,
      type: 'hosted_consent.revoked',
      timestamp: '2024-05-02T12:31:26.257Z',
      subscription_id: subscription.id,
      delivery_id: deliveryId,
      data: { meter_id: 'm-1', customer: { name: 'Ada' } },
    });

    const delivery = await deliveryOf(client, eventId, 'succeeded');
    expect(delivery.id).toBe(deliveryId);
    expect(smtpAttempts(delivery)).toEqual([['succeeded', 250, null]]);
    expect(smtp.messages.filter((m) => m.to.includes('csm@openvolt.test'))).toHaveLength(1);
  });

  it("attaches, and shows, the body a subscription's transformation gives", async () => {
    const { client } = await operator.createTenant('email-transformed');
    const subscription = await client.request<{ id: string }>('POST', '/v1/subscriptions', {
      event_types: ['meter_data.received'],
      destination: { type: 'email', to: ['shaped@openvolt.test'] },
      transformation: '{"event_id": event.type, "customer": event.data.customer.name}',
    });
    expect(subscription.status).toBe(201);
    await client.request('POST', '/v1/events', {
      type: 'meter_data.received',
      data: { meter_id: 'm-1', customer: { name: 'Ada' } },
    });
    const mail = await waitFor('the mail to arrive', () =>
      smtp.messages.find((m) => m.to.includes('shaped@openvolt.test')),
    );
    const parts = mimeParts(mail.raw);
    const attachment = parts.find((p) => /filename="?event\.json/i.test(p.headers));
    const text = parts.find((p) => /content-type:\s*text\/plain/i.test(p.headers));
    expect(attachment?.content).toBe('{"event_id":"meter_data.received","customer":"Ada"}');
    expect(text?.content).toContain('Body:\n{\n  "event_id": "meter_data.received",');
    expect(mailHeader(mail.raw, 'Subject')).toBe('[Herald] meter_data.received');
  });

  it('gives up after one attempt when the server refuses the mailbox for good (550)', async () => {
    smtp.answer('gone@openvolt.test', () => ({ code: 550, message: 'mailbox does not exist' }));
    const { client, eventId } = await subscribeAndPublish(
      'refused',
      ['gone@openvolt.test'],
      'api_keys.rotated',
    );
    const delivery = await deliveryOf(client, eventId, 'dead');
    expect(smtpAttempts(delivery)).toEqual([['failed', 550, 'permanent']]);
    const last = delivery.attempts[delivery.attempts.length - 1];
    expect(last).toMatchObject({ status_code: 550, error_class: 'permanent' });
    expect(last.error_message).toContain('mailbox does not exist');
    expect(smtp.offered('gone@openvolt.test')).toBe(1);
  });

  it('retries when the server answers 451, and delivers on the next attempt', async () => {
    smtp.answer('busy@openvolt.test', (seen) =>
      seen === 1 ? { code: 451, message: 'try again later' } : null,
    );
    const { client, eventId } = await subscribeAndPublish(
      'greylisted',
      ['busy@openvolt.test'],
      'meter.created',
    );
    const delivery = await deliveryOf(client, eventId, 'succeeded');
    expect(smtpAttempts(delivery)).toEqual([
      ['failed', 451, 'retryable'],
      ['succeeded', 250, null],
    ]);
    expect(smtp.offered('busy@openvolt.test')).toBe(2);
    expect(smtp.messages.filter((m) => m.to.includes('busy@openvolt.test'))).toHaveLength(1);
  });
});
