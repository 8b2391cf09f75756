import { EventSchemas } from './event-schemas';

const meterSchema = {
  type: 'object',
  required: ['meter_id'],
  properties: {
    meter_id: { type: 'string' },
    readings: { type: 'array', items: { type: 'number' } },
  },
};

describe('event schemas', () => {
  it('accepts data that matches and types without a schema', async () => {
    const schemas = new EventSchemas((_tenant, type) =>
      Promise.resolve(type === 'meter.created' ? meterSchema : null),
    );
    expect(
      await schemas.check('t', 'meter.created', { meter_id: 'm-1', readings: [1, 2] }),
    ).toBeNull();
    expect(await schemas.check('t', 'other.type', { anything: true })).toBeNull();
  });

  it('names the first field that does not match', async () => {
    const schemas = new EventSchemas(() => Promise.resolve(meterSchema));
    expect(
      await schemas.check('t', 'meter.created', { meter_id: 'm-1', readings: [1, 'two'] }),
    ).toEqual({
      code: 'schema_invalid',
      field: 'data.readings.1',
      message: 'data does not match the schema of meter.created: data.readings.1 must be number',
    });
    expect(await schemas.check('t', 'meter.created', {})).toMatchObject({
      field: 'data.meter_id',
      message: 'data does not match the schema of meter.created: data.meter_id is required',
    });
  });

  /** Openvolt's meter_data.received: a list of readings. */
  const readingsSchema = {
    type: 'array',
    items: {
      type: 'object',
      required: ['meter_id', 'start_interval', 'end_interval'],
      properties: { meter_id: { type: 'string' } },
    },
  };

  it('checks data that is a list or a scalar against its schema', async () => {
    const schemas = new EventSchemas((_tenant, type) =>
      Promise.resolve(
        type === 'meter_data.received' ? readingsSchema : { type: 'number', minimum: 0 },
      ),
    );
    const reading = { meter_id: 'm-1', start_interval: 'a', end_interval: 'b' };
    expect(await schemas.check('t', 'meter_data.received', [reading, reading])).toBeNull();
    expect(await schemas.check('t', 'meter_data.received', [])).toBeNull();
    expect(
      await schemas.check('t', 'meter_data.received', [reading, { ...reading, meter_id: 7 }]),
    ).toEqual({
      code: 'schema_invalid',
      field: 'data.1.meter_id',
      message:
        'data does not match the schema of meter_data.received: data.1.meter_id must be string',
    });
    expect(await schemas.check('t', 'meter_data.received', { meter_id: 'm-1' })).toMatchObject({
      field: 'data',
      message: 'data does not match the schema of meter_data.received: data must be array',
    });
    expect(await schemas.check('t', 'meter.count', 3)).toBeNull();
    expect(await schemas.check('t', 'meter.count', -1)).toMatchObject({ field: 'data' });
    expect(await schemas.check('t', 'meter.count', 'three')).toMatchObject({
      message: 'data does not match the schema of meter.count: data must be number',
    });
  });

  it('loads each schema once within the time to live, then again', async () => {
    let now = 0;
    let loads = 0;
    const schemas = new EventSchemas(
      () => {
        loads++;
        return Promise.resolve(meterSchema);
      },
      1000,
      () => now,
    );
    await schemas.check('t', 'meter.created', { meter_id: 'a' });
    await schemas.check('t', 'meter.created', { meter_id: 'b' });
    expect(loads).toBe(1);
    now = 1500;
    await schemas.check('t', 'meter.created', { meter_id: 'c' });
    expect(loads).toBe(2);
  });

  it('loads a schema once for the events of a batch checked at the same time', async () => {
    let loads = 0;
    const schemas = new EventSchemas(() => {
      loads += 1;
      return Promise.resolve(meterSchema);
    });
    const checked = await Promise.all(
      Array.from({ length: 20 }, (_, n) =>
        schemas.check('t', 'meter.created', n % 2 ? { meter_id: 'm-1' } : { readings: [] }),
      ),
    );
    expect(loads).toBe(1);
    expect(checked.filter((problem) => problem === null)).toHaveLength(10);
  });

  it('checks nothing against a schema that does not compile', async () => {
    const schemas = new EventSchemas(() => Promise.resolve({ type: 'no-such-type' }));
    expect(await schemas.check('t', 'x.y', {})).toBeNull();
  });
});
