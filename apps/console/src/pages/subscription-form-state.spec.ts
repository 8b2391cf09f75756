import { describe, expect, it } from '@jest/globals';
import {
  destinationBody,
  EMPTY_FORM,
  formValues,
  splitList,
  subscriptionBody,
  type DestinationSetting,
  type Subscription,
} from './subscription-form-state';

const setting = (
  name: string,
  type: DestinationSetting['type'],
  options: Partial<DestinationSetting> = {},
): DestinationSetting => ({
  name,
  type,
  required: false,
  secret: false,
  description: '',
  ...options,
});

const WEBHOOK = [
  setting('url', 'url', { required: true }),
  setting('headers', 'string_map', { secret: true }),
];
const SQS = [
  setting('region', 'string', { required: true }),
  setting('queue_name', 'string'),
  setting('queue_url', 'url'),
  setting('access_key_id', 'string'),
  setting('secret_access_key', 'string', { secret: true }),
  setting('endpoint_url', 'url'),
];
const EMAIL = [setting('to', 'string_list', { required: true })];

describe('splitList', () => {
  it.each([
    ['', []],
    ['a', ['a']],
    [' a, b ,c ', ['a', 'b', 'c']],
    ['a\nb  c,,', ['a', 'b', 'c']],
  ])('%j → %j', (text, words) => {
    expect(splitList(text)).toEqual(words);
  });
});

describe('destinationBody', () => {
  it.each([
    [
      'a webhook without headers',
      'webhook' as const,
      WEBHOOK,
      { url: ' https://example.com/hooks ', headers: [] },
      { type: 'webhook', url: 'https://example.com/hooks' },
    ],
    [
      'a webhook whose masked header goes back as the mask, rows without a name left out',
      'webhook' as const,
      WEBHOOK,
      {
        url: 'https://example.com/hooks',
        headers: [
          { name: 'Authorization', value: '********' },
          { name: ' ', value: 'ignored' },
          { name: 'X-Team', value: 'billing' },
        ],
      },
      {
        type: 'webhook',
        url: 'https://example.com/hooks',
        headers: { Authorization: '********', 'X-Team': 'billing' },
      },
    ],
    [
      'an email to several addresses',
      'email' as const,
      EMAIL,
      { to: 'a@example.com\nb@example.com, c@example.com' },
      { type: 'email', to: ['a@example.com', 'b@example.com', 'c@example.com'] },
    ],
    [
      'an SQS queue, empty settings left out',
      'sqs' as const,
      SQS,
      { region: 'eu-west-1', queue_name: 'billing', queue_url: '', secret_access_key: '' },
      { type: 'sqs', region: 'eu-west-1', queue_name: 'billing' },
    ],
  ])('%s', (_name, type, settings, values, body) => {
    expect(destinationBody(type, settings, values)).toEqual(body);
  });
});

describe('subscriptionBody', () => {
  it('sends catalog types and typed globs once each, clears empty fields, and reads numbers', () => {
    const { body, problems } = subscriptionBody(
      {
        ...EMPTY_FORM,
        description: 'Meters',
        catalogTypes: ['meter.created'],
        otherTypes: 'site.*, meter.created',
        settings: { webhook: { url: 'https://example.com/hooks' } },
        triggerFields: 'project.address, model.*',
        ordering: 'strict',
        rateLimit: '5',
        maxInFlight: 'lots',
        filter: '{"data.kind": {"eq": "solar"}}',
      },
      WEBHOOK,
    );
    expect(problems).toEqual([]);
    expect(body).toEqual({
      description: 'Meters',
      enabled: true,
      debug: false,
      event_types: ['meter.created', 'site.*'],
      destination: { type: 'webhook', url: 'https://example.com/hooks' },
      filter: { 'data.kind': { eq: 'solar' } },
      trigger_fields: ['project.address', 'model.*'],
      payload_fields: null,
      ordering: 'strict',
      // Not a number: sent as typed, for the API to refuse and name.
      max_in_flight: 'lots',
      rate_limit_per_second: 5,
      transformation: null,
      metadata: null,
    });
  });

  it.each([
    [{ filter: '[1]' }, [{ field: 'filter', message: 'must be a JSON object' }]],
    [{ metadata: '{not json' }, [{ field: 'metadata', message: 'must be a JSON object' }]],
    [
      { catalogTypes: [], otherTypes: ' , ' },
      [{ field: 'event_types', message: 'pick at least one event type' }],
    ],
  ])('names what it cannot send: %j', (changes, problems) => {
    const values = { ...EMPTY_FORM, catalogTypes: ['meter.created'], ...changes };
    expect(subscriptionBody(values, WEBHOOK).problems).toEqual(problems);
  });
});

describe('formValues', () => {
  const subscription: Subscription = {
    id: 'sub_1',
    description: null,
    enabled: false,
    debug: true,
    event_types: ['meter.created', 'meter.*'],
    destination: {
      type: 'webhook',
      url: 'https://example.com/hooks',
      headers: { Authorization: '********' },
    },
    filter: null,
    trigger_fields: null,
    payload_fields: ['meter_id'],
    ordering: 'best_effort',
    rate_limit_per_second: null,
    max_in_flight: 4,
    transformation: null,
    metadata: {},
    status: 'active',
    disabled_reason: null,
    failing_since: null,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
  };

  it('shows what the API answered, catalog types as checked boxes and others as text', () => {
    expect(formValues(subscription, ['meter.created', 'meter.updated'])).toEqual({
      ...EMPTY_FORM,
      enabled: false,
      debug: true,
      settings: {
        webhook: {
          url: 'https://example.com/hooks',
          headers: [{ name: 'Authorization', value: '********' }],
        },
      },
      catalogTypes: ['meter.created'],
      otherTypes: 'meter.*',
      payloadFields: 'meter_id',
      maxInFlight: '4',
    });
  });

  it('sends an unchanged subscription back as it came, its masked header included', () => {
    const { body } = subscriptionBody(formValues(subscription, ['meter.created']), WEBHOOK);
    expect(body).toMatchObject({
      event_types: subscription.event_types,
      destination: subscription.destination,
      payload_fields: ['meter_id'],
      max_in_flight: 4,
      enabled: false,
      debug: true,
    });
  });
});
