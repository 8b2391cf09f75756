import { projectPayload, shouldTrigger } from './field-paths';

describe('trigger fields', () => {
  const defaults = ['contact.*', 'project.address', 'project.systems.modules'];

  it.each<[string, string[] | null, string[] | null, string[] | null, boolean]>([
    ['exact field', ['project.address'], null, ['project.address'], true],
    ['other field', ['project.address'], null, ['project.notes'], false],
    ['model.* takes any field of the model', ['contact.*'], null, ['contact.email'], true],
    ['model.* takes the model itself', ['contact.*'], null, ['contact'], true],
    ['model.* is not a prefix match', ['contact.*'], null, ['contacts.email'], false],
    ['a field inside a trigger field', ['project.address'], null, ['project.address.line1'], true],
    ['the whole parent changed', ['project.address'], null, ['project'], true],
    [
      'one of several',
      ['project.address', 'contact.*'],
      null,
      ['project.stage', 'contact.phone'],
      true,
    ],
    ['null means the defaults (hit)', null, defaults, ['project.systems.modules'], true],
    ['null means the defaults (miss)', null, defaults, ['project.stage'], false],
    ['null and no defaults fires', null, null, ['anything'], true],
    ['no changed_fields fires', ['project.address'], null, null, true],
    ['an empty list never fires', [], defaults, ['project.address'], false],
    ['* fires on anything', ['*'], null, ['x.y'], true],
  ])('%s', (_name, triggerFields, typeDefaults, changed, expected) => {
    expect(shouldTrigger(triggerFields, typeDefaults, changed)).toBe(expected);
  });
});

describe('payload fields', () => {
  const data = {
    contact: { email: 'a@b.c', first_name: 'Ada', phone: '1' },
    event: { id: 9 },
    project: {
      id: 42,
      address: '1 Main St',
      notes: 'secret notes',
      systems: [
        { modules: ['m1'], inverters: ['i1'], price_including_tax: 100 },
        { modules: ['m2'], inverters: ['i2'], price_including_tax: 200 },
      ],
    },
  };

  it('keeps only the fields named, at their places', () => {
    expect(projectPayload(data, ['project.address', 'project.id'], null)).toEqual({
      project: { address: '1 Main St', id: 42 },
    });
  });

  it('takes a whole model with model.*', () => {
    expect(projectPayload(data, ['contact.*'], null)).toEqual({ contact: data.contact });
  });

  it('projects inside every element of a list', () => {
    expect(
      projectPayload(
        data,
        ['project.systems.modules', 'project.systems.price_including_tax'],
        null,
      ),
    ).toEqual({
      project: {
        systems: [
          { modules: ['m1'], price_including_tax: 100 },
          { modules: ['m2'], price_including_tax: 200 },
        ],
      },
    });
  });

  it('leaves out missing paths', () => {
    expect(projectPayload(data, ['project.missing', 'nothing.here', 'event.id'], null)).toEqual({
      event: { id: 9 },
    });
  });

  it('uses the defaults for null, and all data without defaults', () => {
    expect(projectPayload(data, null, ['event.*'])).toEqual({ event: { id: 9 } });
    expect(projectPayload(data, null, null)).toBe(data);
    expect(projectPayload(data, ['*'], null)).toBe(data);
  });

  it('gives an empty object for an empty list', () => {
    expect(projectPayload(data, [], ['event.*'])).toEqual({});
  });

  /** Openvolt's meter_data.received: the data is a list of readings. */
  const readings = [
    {
      meter_id: 'm-1',
      start_interval: '2024-05-02T12:00:00Z',
      end_interval: '2024-05-02T12:30:00Z',
    },
    {
      meter_id: 'm-2',
      start_interval: '2024-05-02T12:00:00Z',
      end_interval: '2024-05-02T12:30:00Z',
    },
  ];

  it('projects each element when data is a list, keeping every element in place', () => {
    expect(projectPayload(readings, ['meter_id'], null)).toEqual([
      { meter_id: 'm-1' },
      { meter_id: 'm-2' },
    ]);
    expect(projectPayload(readings, ['meter_id', 'end_interval'], null)).toEqual([
      { meter_id: 'm-1', end_interval: '2024-05-02T12:30:00Z' },
      { meter_id: 'm-2', end_interval: '2024-05-02T12:30:00Z' },
    ]);
    expect(projectPayload([{ a: { b: 1, c: 2 } }, { d: 3 }], ['a.b'], null)).toEqual([
      { a: { b: 1 } },
      {},
    ]);
    expect(projectPayload(readings, ['missing'], null)).toEqual([{}, {}]);
    expect(projectPayload(readings, [], null)).toEqual([{}, {}]);
    expect(projectPayload([], ['meter_id'], null)).toEqual([]);
  });

  it('leaves list data whole without payload fields or with *', () => {
    expect(projectPayload(readings, null, null)).toBe(readings);
    expect(projectPayload(readings, ['*'], null)).toBe(readings);
    expect(projectPayload(readings, null, ['meter_id'])).toEqual([
      { meter_id: 'm-1' },
      { meter_id: 'm-2' },
    ]);
  });

  it.each(['m-1', '', 12.5, 0, true, false])(
    'delivers scalar data %p whole: it has no fields to choose from',
    (scalar) => {
      expect(projectPayload(scalar, ['meter_id'], null)).toBe(scalar);
      expect(projectPayload(scalar, [], null)).toBe(scalar);
      expect(projectPayload(scalar, null, ['meter_id'])).toBe(scalar);
    },
  );
});
