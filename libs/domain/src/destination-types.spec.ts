import { destinationTypes, type DestinationSetting } from './destination-types';

const settingsOf = (type: string): Record<string, DestinationSetting> => {
  const descriptor = destinationTypes().find((entry) => entry.type === type);
  if (!descriptor) throw new Error(`no destination type ${type}`);
  return Object.fromEntries(descriptor.settings.map((entry) => [entry.name, entry]));
};

describe('destination types', () => {
  it('describes webhook, email and sqs, in that order', () => {
    expect(destinationTypes().map((entry) => entry.type)).toEqual(['webhook', 'email', 'sqs']);
  });

  it('gives every type a name, a description and settings with unique names', () => {
    for (const descriptor of destinationTypes()) {
      expect(descriptor.name).not.toBe('');
      expect(descriptor.description).not.toBe('');
      const names = descriptor.settings.map((entry) => entry.name);
      expect(new Set(names).size).toBe(names.length);
      for (const entry of descriptor.settings) {
        expect(Object.keys(entry).sort()).toEqual([
          'description',
          'name',
          'required',
          'secret',
          'type',
        ]);
        expect(entry.name).toMatch(/^[a-z][a-z_]*$/);
        expect(entry.description).not.toBe('');
      }
    }
  });

  it.each([
    ['webhook', 'url', { type: 'url', required: true, secret: false }],
    ['webhook', 'headers', { type: 'string_map', required: false, secret: true }],
    ['email', 'to', { type: 'string_list', required: true, secret: false }],
    ['sqs', 'region', { type: 'string', required: true, secret: false }],
    ['sqs', 'queue_name', { type: 'string', required: false, secret: false }],
    ['sqs', 'queue_url', { type: 'url', required: false, secret: false }],
    ['sqs', 'access_key_id', { type: 'string', required: false, secret: false }],
    ['sqs', 'secret_access_key', { type: 'string', required: false, secret: true }],
    ['sqs', 'endpoint_url', { type: 'url', required: false, secret: false }],
  ])('%s.%s is %o', (type, name, expected) => {
    expect(settingsOf(type)[name]).toMatchObject(expected);
  });

  it('lists exactly the settings a destination of each type takes', () => {
    expect(Object.keys(settingsOf('webhook'))).toEqual(['url', 'headers']);
    expect(Object.keys(settingsOf('email'))).toEqual(['to']);
    expect(Object.keys(settingsOf('sqs'))).toEqual([
      'region',
      'queue_name',
      'queue_url',
      'access_key_id',
      'secret_access_key',
      'endpoint_url',
    ]);
  });

  it('hands out copies, so a caller cannot change the registry', () => {
    destinationTypes()[0].settings[0].required = false;
    expect(settingsOf('webhook').url.required).toBe(true);
  });
});
