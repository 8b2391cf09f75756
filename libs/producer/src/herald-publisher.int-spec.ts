import { TopicRecorder, waitFor } from '@herald/testing';
import { HeraldPublisher, InvalidEventError } from './herald-publisher';

describe('HeraldPublisher on a real Kafka', () => {
  const brokers = (process.env.KAFKA_BROKERS ?? '').split(',');
  const tenant = `ten_publisher_${Date.now()}`;
  let publisher: HeraldPublisher;
  let recorder: TopicRecorder<{ key: string | null; envelope: Record<string, unknown> }>;

  beforeAll(async () => {
    publisher = await HeraldPublisher.connect({ brokers });
    recorder = await TopicRecorder.start(brokers, 'herald.events.inbound', ({ key, value }) => {
      const envelope = JSON.parse(String(value)) as Record<string, unknown>;
      return envelope.tenant_id === tenant ? { key, envelope } : undefined;
    });
  });

  afterAll(async () => {
    await recorder.stop();
    await publisher.disconnect();
  });

  it('publishes envelopes keyed by tenant, with an id, in order', async () => {
    const ids = await publisher.publish(
      { tenant_id: tenant, type: 'meter.created', data: { n: 1 } },
      { tenant_id: tenant, type: 'meter.created', data: { n: 2 }, id: 'my-id-2' },
    );
    expect(ids[0]).toMatch(/^evt_/);
    expect(ids[1]).toBe('my-id-2');
    await waitFor('both envelopes', () => recorder.messages.length >= 2);
    expect(recorder.messages).toEqual([
      {
        key: tenant,
        envelope: { tenant_id: tenant, type: 'meter.created', data: { n: 1 }, id: ids[0] },
      },
      {
        key: tenant,
        envelope: { tenant_id: tenant, type: 'meter.created', data: { n: 2 }, id: 'my-id-2' },
      },
    ]);
  });

  it('refuses an invalid envelope before sending anything', async () => {
    const attempt = publisher.publish(
      { tenant_id: tenant, type: 'ok.type', data: { n: 3 } },
      { tenant_id: tenant, type: 'not a type', data: {} },
    );
    await expect(attempt).rejects.toThrow(InvalidEventError);
    await expect(attempt).rejects.toMatchObject({ code: 'invalid_field', field: 'type' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(recorder.messages.some(({ envelope }) => (envelope.data as { n: number }).n === 3)).toBe(
      false,
    );
  });

  // Issue 13: data was an object only; it is any JSON value but null.
  it('publishes data that is a list or a scalar, and refuses null data before sending', async () => {
    const readings = [
      {
        meter_id: 'm-1',
        start_interval: '2024-05-02T12:00:00Z',
        end_interval: '2024-05-02T12:30:00Z',
      },
    ];
    const ids = await publisher.publish(
      { tenant_id: tenant, type: 'meter_data.received', data: readings },
      { tenant_id: tenant, type: 'meter.count', data: 3 },
    );
    const sent = await waitFor('the list and the scalar', () => {
      const found = recorder.messages.filter(({ envelope }) => ids.includes(String(envelope.id)));
      return found.length >= 2 && found;
    });
    expect(sent.map(({ envelope }) => envelope.data)).toEqual([readings, 3]);

    const attempt = publisher.publish({
      tenant_id: tenant,
      type: 'meter.count',
      data: null as unknown as number,
    });
    await expect(attempt).rejects.toMatchObject({ code: 'missing_field', field: 'data' });
  });
});
