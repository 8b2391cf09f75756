import { ApiClient, verifyWebhook, waitFor, WebhookReceiver } from '@herald/testing';
import { startHerald, type RunningHerald } from './support/herald-harness';

type Attempt = {
  attempt: number;
  outcome: string;
  status_code: number | null;
  response_excerpt: string | null;
  request_body?: string;
};
type DeliveryDetail = { id: string; status: string; attempts: Attempt[] };
type Page<T> = { data: T[] };

/**
 * What the delivery history keeps of an attempt through the whole pipeline: a 4 KiB excerpt of the
 * receiver's answer, or, while the subscription has `debug` on, up to 64 KiB of it and the request
 * body that was sent.
 */
describe('attempt bodies in the delivery history', () => {
  let herald: RunningHerald;
  let receiver: WebhookReceiver;
  let operator: ApiClient;
  const answer = 'abcdefghij'.repeat(10 * 1024); // 100 KiB

  beforeAll(async () => {
    herald = await startHerald();
    receiver = await WebhookReceiver.start();
    receiver.respondWith(() => ({ status: 200, body: answer }));
    operator = new ApiClient(herald.apiUrl, herald.config.auth.adminToken);
  });

  afterAll(async () => {
    await receiver.stop();
    await herald.stop();
  });

  async function deliverOnce(path: string, debug: boolean) {
    const { client } = await operator.createTenant(`bodies${path.replace(/\//g, '-')}`);
    const subscription = await client.request<{ id: string; secret: string }>(
      'POST',
      '/v1/subscriptions',
      {
        event_types: ['meter.*'],
        destination: { type: 'webhook', url: receiver.url + path },
        debug,
      },
    );
    expect(subscription.status).toBe(201);
    const accepted = await client.request<{ id: string }>('POST', '/v1/events', {
      type: 'meter.created',
      data: { meter_id: `m${path.replace(/\//g, '-')}` },
    });
    expect(accepted.status).toBe(202);
    const delivered = await waitFor(`the delivery to ${path} to succeed`, async () => {
      const page = await client.request<Page<{ id: string }>>(
        'GET',
        `/v1/deliveries?event_id=${accepted.body.id}&status=succeeded`,
      );
      return page.body.data[0];
    });
    const detail = await client.request<DeliveryDetail>('GET', `/v1/deliveries/${delivered.id}`);
    expect(detail.status).toBe(200);
    const [received] = receiver.requests.filter((request) => request.path === path);
    expect(verifyWebhook(subscription.body.secret, received)).toMatchObject({
      type: 'meter.created',
    });
    return { attempts: detail.body.attempts, received };
  }

  it('keeps 4 KiB of the answer and no request body without debug', async () => {
    const { attempts } = await deliverOnce('/bodies/plain', false);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ attempt: 1, outcome: 'succeeded', status_code: 200 });
    expect(attempts[0].response_excerpt).toBe(answer.slice(0, 4096));
    expect(attempts[0]).not.toHaveProperty('request_body');
  });

  it('keeps 64 KiB of the answer and the request body as sent with debug', async () => {
    const { attempts, received } = await deliverOnce('/bodies/debug', true);
    expect(attempts).toHaveLength(1);
    expect(attempts[0].response_excerpt).toBe(answer.slice(0, 64 * 1024));
    expect(attempts[0].request_body).toBe(received.body);
  });
});
