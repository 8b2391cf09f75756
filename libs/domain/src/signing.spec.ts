import { Webhook as SvixWebhook } from 'svix';
import { Webhook } from 'standardwebhooks';
import { generateSigningSecret, isSigningSecret, sign, signatureHeaders } from './signing';

describe('Standard Webhooks signing', () => {
  const input = { messageId: 'dlv_01', timestamp: Math.floor(Date.now() / 1000), body: '{"a":1}' };

  it('makes secrets in the whsec_ form with 32 random bytes', () => {
    const secret = generateSigningSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    expect(isSigningSecret(secret)).toBe(true);
    expect(generateSigningSecret()).not.toBe(secret);
  });

  it('signs so the standardwebhooks library verifies it', () => {
    const secret = generateSigningSecret();
    const headers = signatureHeaders([secret], input);
    expect(new Webhook(secret).verify(input.body, headers)).toEqual({ a: 1 });
  });

  it('signs with every secret during a rotation, and each verifies', () => {
    const [oldSecret, newSecret] = [generateSigningSecret(), generateSigningSecret()];
    const headers = signatureHeaders([newSecret, oldSecret], input);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(oldSecret).verify(input.body, headers)).toEqual({ a: 1 });
    expect(new Webhook(newSecret).verify(input.body, headers)).toEqual({ a: 1 });
  });

  it('signs a list of secrets used again (a cached target) as it signed it the first time, and a new list with its own secrets', () => {
    const secrets = [generateSigningSecret()];
    const first = signatureHeaders(secrets, input);
    const again = signatureHeaders(secrets, { ...input, body: '{"a":2}' });
    expect(new Webhook(secrets[0]).verify('{"a":2}', again)).toEqual({ a: 2 });
    expect(again['webhook-signature']).not.toBe(first['webhook-signature']);
    expect(signatureHeaders(secrets, input)).toEqual(first);
    const rotated = [generateSigningSecret()];
    const headers = signatureHeaders(rotated, input);
    expect(new Webhook(rotated[0]).verify(input.body, headers)).toEqual({ a: 1 });
    expect(() => new Webhook(secrets[0]).verify(input.body, headers)).toThrow();
  });

  it('changes the signature when the body, id or timestamp change', () => {
    const secret = generateSigningSecret();
    const base = sign(secret, input);
    expect(sign(secret, { ...input, body: '{"a":2}' })).not.toBe(base);
    expect(sign(secret, { ...input, messageId: 'dlv_02' })).not.toBe(base);
    expect(sign(secret, { ...input, timestamp: input.timestamp + 1 })).not.toBe(base);
  });
});

describe('Standard Webhooks signing, checked by Svix’s own library', () => {
  const input = {
    messageId: 'dlv_svix',
    timestamp: Math.floor(Date.now() / 1000),
    body: '{"b":2}',
  };

  it('verifies, also with both secrets of a rotation', () => {
    const [oldSecret, newSecret] = [generateSigningSecret(), generateSigningSecret()];
    const headers = signatureHeaders([newSecret, oldSecret], input);
    expect(new SvixWebhook(newSecret).verify(input.body, headers)).toEqual({ b: 2 });
    expect(new SvixWebhook(oldSecret).verify(input.body, headers)).toEqual({ b: 2 });
    expect(() => new SvixWebhook(generateSigningSecret()).verify(input.body, headers)).toThrow();
  });
});
