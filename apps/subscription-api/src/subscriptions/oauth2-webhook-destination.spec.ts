import { ApiError } from '../errors/api-error';
import { readNewSubscription, readSubscriptionPatch } from './subscription-input';
import { presentSubscription } from './subscription.view';

const valid = {
  type: 'oauth2_webhook',
  url: 'https://api.example.com/hooks',
  headers: { 'X-Team': 'billing' },
  token_url: 'https://auth.example.com/oauth/token',
  client_id: 'herald-client',
  client_secret: 'very-secret',
  scope: 'events:write audit',
  audience: 'https://api.example.com',
};

function problems(destination: Record<string, unknown>): Record<string, string> {
  try {
    readNewSubscription({ event_types: ['*'], destination });
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return Object.fromEntries(error.details.map((d) => [d.field, d.message]));
  }
  return {};
}

describe('oauth2_webhook destination input', () => {
  it('reads every setting into the domain destination', () => {
    expect(readNewSubscription({ event_types: ['*'], destination: valid }).destination).toEqual({
      type: 'oauth2_webhook',
      url: 'https://api.example.com/hooks',
      headers: { 'X-Team': 'billing' },
      tokenUrl: 'https://auth.example.com/oauth/token',
      clientId: 'herald-client',
      clientSecret: 'very-secret',
      scope: 'events:write audit',
      audience: 'https://api.example.com',
    });
  });

  it('leaves scope, audience and headers optional', () => {
    const required = {
      type: valid.type,
      url: valid.url,
      token_url: valid.token_url,
      client_id: valid.client_id,
      client_secret: valid.client_secret,
    };
    expect(readSubscriptionPatch({ destination: required }).destination).toMatchObject({
      headers: {},
      scope: null,
      audience: null,
    });
  });

  it.each([
    ['token_url', undefined, 'is required'],
    ['token_url', 'not a url', 'must be an absolute URL'],
    ['token_url', 'ftp://auth.example.com/token', 'must be an http or https URL'],
    ['token_url', 'https://user:pw@auth.example.com/token', 'must not carry credentials'],
    ['url', undefined, 'is required'],
    ['client_id', undefined, 'is required'],
    ['client_id', '', 'must be one or more printable ASCII characters'],
    ['client_secret', undefined, 'is required'],
    ['client_secret', 'line\nbreak', 'must be one or more printable ASCII characters'],
    ['client_secret', 42, 'must be a string'],
    [
      'scope',
      'two  spaces',
      'must be scope tokens separated by single spaces, such as "events:write audit"',
    ],
    ['grant_type', 'password', 'is not a known field'],
  ])('refuses %s = %j: %s', (field, value, message) => {
    expect(problems({ ...valid, [field]: value })).toEqual({ [`destination.${field}`]: message });
  });

  it('refuses an Authorization header, which carries the token', () => {
    expect(problems({ ...valid, headers: { authorization: 'Basic x' } })).toEqual({
      'destination.headers.authorization': 'is set by Herald and cannot be overridden',
    });
  });

  it('masks the client secret and header values in views', () => {
    const { destination } = readNewSubscription({ event_types: ['*'], destination: valid });
    const view = presentSubscription({
      id: 'sub_1',
      tenantId: 't',
      description: '',
      enabled: true,
      debug: false,
      eventTypes: ['*'],
      destination,
      filter: null,
      triggerFields: null,
      payloadFields: null,
      ordering: 'best_effort',
      rateLimitPerSecond: null,
      maxInFlight: null,
      transformation: null,
      metadata: {},
      status: 'active',
      disabledReason: null,
      failingSince: null,
      createdAt: '2024-05-02T12:31:26.257Z',
      updatedAt: '2024-05-02T12:31:26.257Z',
    });
    expect(view.destination).toEqual({
      ...valid,
      headers: { 'X-Team': '********' },
      client_secret: '********',
    });
    expect(JSON.stringify(view)).not.toContain('very-secret');
    expect(JSON.stringify(view)).not.toContain('billing');
  });
});
