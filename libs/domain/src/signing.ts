import { createHmac, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';

/** A new Standard Webhooks signing secret: `whsec_` and 32 random bytes in base64. */
export function generateSigningSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

export function isSigningSecret(secret: string): boolean {
  return secret.startsWith(SECRET_PREFIX) && Buffer.from(secret.slice(6), 'base64').length >= 24;
}

export interface SignatureInput {
  /** `webhook-id`: the delivery id, stable across retries. */
  messageId: string;
  /** `webhook-timestamp`, unix seconds. */
  timestamp: number;
  body: string;
}

/** The HMAC key a secret stands for: the bytes after `whsec_`, base64-decoded. */
function keyOf(secret: string): KeyObject {
  return createSecretKey(
    Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(6) : secret, 'base64'),
  );
}

/**
 * The keys of a list of secrets, decoded once per list: a busy subscription's deliveries share the
 * list its cached target holds, so they sign with keys decoded once instead of every time — and the
 * keys go when the target does (nothing keeps a rotated-out secret's key alive).
 */
const KEYS = new WeakMap<readonly string[], readonly KeyObject[]>();

function keysOf(secrets: readonly string[]): readonly KeyObject[] {
  let keys = KEYS.get(secrets);
  if (keys === undefined) {
    keys = secrets.map(keyOf);
    KEYS.set(secrets, keys);
  }
  return keys;
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` with the key decoded from the secret. */
export function sign(secret: string, input: SignatureInput): string {
  return signWith(keyOf(secret), input);
}

function signWith(key: KeyObject, input: SignatureInput): string {
  const mac = createHmac('sha256', key)
    .update(`${input.messageId}.${input.timestamp}.${input.body}`)
    .digest('base64');
  return `v1,${mac}`;
}

/** The Standard Webhooks headers; during a secret rotation every active secret signs. */
export function signatureHeaders(
  secrets: readonly string[],
  input: SignatureInput,
): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  return {
    'webhook-id': input.messageId,
    'webhook-timestamp': String(input.timestamp),
    'webhook-signature': keysOf(secrets)
      .map((key) => signWith(key, input))
      .join(' '),
  };
}

/**
 * Every header of a webhook POST: the destination's own, then the content type, Herald's user agent
 * and the signature headers (which a destination header cannot override).
 */
export function webhookHeaders(
  destinationHeaders: Readonly<Record<string, string>>,
  secrets: readonly string[],
  input: SignatureInput,
): Record<string, string> {
  return {
    ...destinationHeaders,
    'content-type': 'application/json',
    'user-agent': 'Herald-Webhooks/0.1',
    ...signatureHeaders(secrets, input),
  };
}
