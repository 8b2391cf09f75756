import { Webhook as SvixWebhook } from 'svix';
import { Topics } from '@herald/contracts';
import { type ReceivedRequest, verifyWebhook, waitFor } from '@herald/testing';
import { startPipeline, untilIngestKnows, type PipelineFixture } from './support/herald-harness';

/** A delivered webhook checks out with the standardwebhooks and svix packages, also mid-rotation. */
describe('signatures through a secret rotation', () => {
  let pipeline: PipelineFixture;

  beforeAll(async () => {
    pipeline = await startPipeline('signature-rotation-test');
  });

  afterAll(async () => {
    await pipeline.stop();
  });

  function verifyWithSvix(secret: string, request: ReceivedRequest): unknown {
    return new SvixWebhook(secret).verify(request.body, {
      'svix-id': String(request.headers['webhook-id']),
      'svix-timestamp': String(request.headers['webhook-timestamp']),
      'svix-signature': String(request.headers['webhook-signature']),
    });
  }

  it('signs with the old and the new secret during the overlap, each verifying with both libraries', async () => {
    const { tenantId, client } = await pipeline.operator.createTenant('rotation');
    const created = await client.request<{ id: string; secret: string }>(
      'POST',
      '/v1/subscriptions',
      {
        event_types: ['invoice.paid'],
        destination: { type: 'webhook', url: `${pipeline.receiver.url}/rotating` },
      },
    );
    expect(created.status).toBe(201);
    const oldSecret = created.body.secret;
    await untilIngestKnows(pipeline.herald, created.body.id);

    const publish = (seq: number): Promise<unknown> =>
      pipeline.producer.send({
        topic: Topics.eventsInbound.name,
        messages: [
          {
            key: tenantId,
            value: JSON.stringify({ tenant_id: tenantId, type: 'invoice.paid', data: { seq } }),
          },
        ],
      });
    await publish(1);
    const [before] = await waitFor('the delivery before the rotation', () => {
      const seen = pipeline.receiver.distinctRequestsTo('/rotating');
      return seen.length >= 1 && seen;
    });
    expect(String(before.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(verifyWebhook(oldSecret, before)).toMatchObject({ data: { seq: 1 } });
    expect(verifyWithSvix(oldSecret, before)).toMatchObject({ data: { seq: 1 } });

    const rotated = await client.request<{ secret: string }>(
      'POST',
      `/v1/subscriptions/${created.body.id}/secret/rotate`,
      { overlap_seconds: 3600 },
    );
    expect(rotated.status).toBe(200);
    const newSecret = rotated.body.secret;
    expect(newSecret).not.toBe(oldSecret);

    await publish(2);
    const during = await waitFor('the delivery during the overlap', () => {
      const seen = pipeline.receiver.distinctRequestsTo('/rotating');
      return seen.length >= 2 && seen[1];
    });
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    for (const secret of [oldSecret, newSecret]) {
      expect(verifyWebhook(secret, during)).toMatchObject({ data: { seq: 2 } });
      expect(verifyWithSvix(secret, during)).toMatchObject({ data: { seq: 2 } });
    }
    expect(() =>
      verifyWebhook('whsec_' + Buffer.alloc(32, 1).toString('base64'), during),
    ).toThrow();
  });
});
