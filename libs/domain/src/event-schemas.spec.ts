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

  it('checks nothing against a schema that does not compile', async () => {
    const schemas = new EventSchemas(() => Promise.resolve({ type: 'no-such-type' }));
    expect(await schemas.check('t', 'x.y', {})).toBeNull();
  });
});
