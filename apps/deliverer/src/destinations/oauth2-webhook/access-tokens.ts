import { createHash } from 'node:crypto';
import type { OAuth2WebhookDestination } from '@herald/domain';

/** A token is dropped this long before it expires, so it is not sent as it runs out. */
const EXPIRY_MARGIN_MS = 30_000;
/** Without `expires_in`, a token is reused this long (a 401 replaces it sooner). */
const DEFAULT_LIFETIME_MS = 300_000;
const MAX_TOKENS = 1000;

export interface AccessToken {
  value: string;
  /** When it stops being reused (epoch ms). */
  reuseUntil: number;
}

/** How long a token that lives `expiresInS` seconds is reused: to shortly before it expires. */
export function reuseUntil(now: number, expiresInS: number | null): number {
  if (expiresInS === null) return now + DEFAULT_LIFETIME_MS;
  const lifetime = expiresInS * 1000;
  // A short-lived token keeps a tenth of its life as margin rather than expiring unused.
  return now + lifetime - Math.min(EXPIRY_MARGIN_MS, lifetime / 10);
}

/**
 * Access tokens by client (token URL, client id and secret, scope, audience), each fetched once at
 * a time: concurrent deliveries to one destination wait for the same fetch. Keys are hashes, so the
 * client secret is not a map key.
 */
export class AccessTokens<F> {
  private readonly entries = new Map<
    string,
    { pending: Promise<AccessToken | F>; token?: AccessToken }
  >();

  constructor(
    private readonly fetchToken: (
      destination: OAuth2WebhookDestination,
    ) => Promise<AccessToken | F>,
    private readonly isToken: (result: AccessToken | F) => result is AccessToken,
  ) {}

  /** A token still good at `now`, fetched when there is none; a failed fetch is not kept. */
  async get(destination: OAuth2WebhookDestination, now = Date.now()): Promise<AccessToken | F> {
    const key = clientKey(destination);
    const entry = this.entries.get(key);
    if (entry && (!entry.token || entry.token.reuseUntil > now)) return entry.pending;
    if (entry) this.entries.delete(key);
    const fresh: { pending: Promise<AccessToken | F>; token?: AccessToken } = {
      pending: this.fetchToken(destination),
    };
    this.entries.set(key, fresh);
    if (this.entries.size > MAX_TOKENS) this.entries.delete(this.entries.keys().next().value!);
    const result = await fresh.pending;
    if (this.isToken(result)) fresh.token = result;
    else if (this.entries.get(key) === fresh) this.entries.delete(key);
    return result;
  }

  /** Drops `token` (the receiver refused it), unless a newer one replaced it already. */
  forget(destination: OAuth2WebhookDestination, token: AccessToken): void {
    const key = clientKey(destination);
    if (this.entries.get(key)?.token === token) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

function clientKey(destination: OAuth2WebhookDestination): string {
  return createHash('sha256')
    .update(
      JSON.stringify([
        destination.tokenUrl,
        destination.clientId,
        destination.clientSecret,
        destination.scope,
        destination.audience,
      ]),
    )
    .digest('base64url');
}
