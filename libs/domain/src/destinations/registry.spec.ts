import { SECRET_MASK, type DestinationSetting } from './destination-kind';
import type { OAuth2WebhookDestination } from './oauth2-webhook/oauth2-webhook.destination';
import {
  DESTINATION_KINDS,
  DESTINATION_TYPES,
  destinationTypes,
  joinDestinationSecrets,
  keepMaskedSecrets,
  presentDestination,
  previewHeaders,
  splitDestinationSecrets,
  type Destination,
} from './registry';

const settingsOf = (type: string): Record<string, DestinationSetting> => {
  const descriptor = destinationTypes().find((entry) => entry.type === type);
  if (!descriptor) throw new Error(`no destination type ${type}`);
  return Object.fromEntries(descriptor.settings.map((entry) => [entry.name, entry]));
};

describe('destination types', () => {
  it('describes webhook, email, sqs and oauth2_webhook, in that order', () => {
    expect(destinationTypes().map((entry) => entry.type)).toEqual([
      'webhook',
      'email',
      'sqs',
      'oauth2_webhook',
    ]);
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

describe('the destination registry', () => {
  const oauth2: OAuth2WebhookDestination = {
    type: 'oauth2_webhook',
    url: 'https://api.example.com/hooks',
    headers: { 'X-Team': 'billing' },
    tokenUrl: 'https://auth.example.com/oauth/token',
    clientId: 'herald',
    clientSecret: 'client-secret',
    scope: 'events:write',
    audience: null,
  };
  const destinations: Destination[] = [
    { type: 'webhook', url: 'https://example.com/h', headers: { Authorization: 'Token abc' } },
    { type: 'email', to: ['ops@example.com'] },
    {
      type: 'sqs',
      region: 'eu-west-1',
      queueName: 'events',
      queueUrl: null,
      accessKeyId: 'AKIA1',
      secretAccessKey: 'aws-secret',
      endpointUrl: null,
    },
    oauth2,
  ];

  it('has a kind for every type, under its own name', () => {
    for (const type of DESTINATION_TYPES) expect(DESTINATION_KINDS[type].type).toBe(type);
  });

  it.each([
    [0, { type: 'webhook', url: 'https://example.com/h', headers: { Authorization: SECRET_MASK } }],
    [1, { type: 'email', to: ['ops@example.com'] }],
    [
      2,
      {
        type: 'sqs',
        region: 'eu-west-1',
        queue_name: 'events',
        queue_url: null,
        access_key_id: 'AKIA1',
        secret_access_key: SECRET_MASK,
        endpoint_url: null,
      },
    ],
    [
      3,
      {
        type: 'oauth2_webhook',
        url: 'https://api.example.com/hooks',
        headers: { 'X-Team': SECRET_MASK },
        token_url: 'https://auth.example.com/oauth/token',
        client_id: 'herald',
        client_secret: SECRET_MASK,
        scope: 'events:write',
        audience: null,
      },
    ],
  ])('presents destination %i by its settings, secrets masked', (index, view) => {
    expect(presentDestination(destinations[index])).toEqual(view);
    expect(Object.keys(presentDestination(destinations[index]))).toEqual(Object.keys(view));
  });

  it.each([
    [0, { type: 'webhook', url: 'https://example.com/h' }, ['headers']],
    [1, { type: 'email', to: ['ops@example.com'] }, null],
    [2, { type: 'sqs', region: 'eu-west-1' }, ['secretAccessKey']],
    [3, { type: 'oauth2_webhook', tokenUrl: oauth2.tokenUrl }, ['headers', 'clientSecret']],
  ])('seals exactly the secret settings of destination %i', (index, open, sealedFields) => {
    const { open: kept, sealed } = splitDestinationSecrets(destinations[index]);
    expect(kept).toMatchObject(open);
    expect(sealed === null ? null : Object.keys(sealed)).toEqual(sealedFields);
    for (const field of sealedFields ?? []) expect(kept).not.toHaveProperty(field);
    expect(joinDestinationSecrets(kept, sealed)).toEqual(destinations[index]);
  });

  it('keeps stored secrets where an update sends the mask back, and takes new ones', () => {
    const next = keepMaskedSecrets(
      {
        ...oauth2,
        clientSecret: SECRET_MASK,
        headers: { 'X-Team': SECRET_MASK, 'X-New': 'new', 'X-Unknown': SECRET_MASK },
      },
      oauth2,
    );
    expect(next).toEqual({
      ...oauth2,
      headers: { 'X-Team': 'billing', 'X-New': 'new', 'X-Unknown': SECRET_MASK },
    });
    expect(keepMaskedSecrets({ ...oauth2, clientSecret: 'rotated' }, oauth2)).toEqual({
      ...oauth2,
      clientSecret: 'rotated',
    });
    // Another kind keeps nothing of the old one.
    expect(keepMaskedSecrets(destinations[0], oauth2)).toEqual(destinations[0]);
  });

  it('previews the extra headers of the kinds that send HTTP requests, masked', () => {
    expect(previewHeaders(destinations[0])).toEqual({ Authorization: SECRET_MASK });
    expect(previewHeaders(destinations[1])).toBeNull();
    expect(previewHeaders(destinations[2])).toBeNull();
    expect(previewHeaders(oauth2)).toEqual({
      'X-Team': SECRET_MASK,
      Authorization: `Bearer ${SECRET_MASK}`,
    });
  });
});
