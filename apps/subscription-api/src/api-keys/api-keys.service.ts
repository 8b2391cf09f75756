import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG } from '@herald/config';
import { Topics } from '@herald/contracts';
import { newId } from '@herald/domain';
import { OutboxRelay, TenantsRepository, type PageRequest } from '@herald/persistence';
import { pageResponse } from '../common/pagination';
import { ApiError, notFound } from '../errors/api-error';
import { presentApiKey, type ApiKeyView } from './api-key.view';
import { JsonLogger } from '@herald/observability';
import type { SubscriptionApiConfig } from '../subscription-api.config';

export const API_KEYS_ROTATED = 'api_keys.rotated';

/** API keys of one tenant: the operator lists and revokes them; a tenant rotates its own. */
@Injectable()
export class ApiKeysService {
  constructor(
    @Inject(HERALD_CONFIG) private readonly config: SubscriptionApiConfig,
    private readonly tenants: TenantsRepository,
    private readonly outbox: OutboxRelay,
    private readonly logger: JsonLogger,
  ) {}

  async list(tenantId: string, page: PageRequest) {
    if (!(await this.tenants.exists(tenantId))) throw notFound('tenant', tenantId);
    return pageResponse(await this.tenants.listApiKeys(tenantId, page), presentApiKey);
  }

  /** Takes effect at once: the next request with the key answers 401. Revoking twice is harmless. */
  async revoke(tenantId: string, keyId: string): Promise<void> {
    if (!(await this.tenants.revokeApiKey(tenantId, keyId))) throw notFound('API key', keyId);
  }

  /**
   * Issues a new key (returned this once) and lets the calling key expire after the grace period,
   * and announces it, in the same transaction through the outbox, as an `api_keys.rotated` event of the tenant, so the tenant can subscribe to
   * it. The event goes through ingest like any other: stored, matched and delivered.
   */
  async rotate(
    tenantId: string,
    callerKeyId: string,
    name: string | undefined,
  ): Promise<ApiKeyView & { key: string }> {
    const eventId = newId('evt');
    const rotated = await this.tenants.rotateApiKey(
      tenantId,
      callerKeyId,
      this.config.auth.apiKeyRotationGraceMs,
      name,
      ({ apiKey, previous }) => ({
        topic: Topics.eventsInbound.name,
        key: tenantId,
        value: {
          id: eventId,
          tenant_id: tenantId,
          type: API_KEYS_ROTATED,
          occurred_at: apiKey.createdAt,
          data: {
            key_id: apiKey.id,
            previous_key_id: previous.id,
            previous_key_expires_at: previous.expiresAt,
          },
        },
      }),
    );
    // The guard has just accepted this key, so only a concurrent revoke or expiry gets here.
    if (!rotated) throw new ApiError('unauthorized', 'the API key was revoked or has expired');
    this.outbox.nudge();
    this.logger.event('info', 'api key rotated', {
      tenant_id: tenantId,
      key_id: rotated.apiKey.id,
      previous_key_id: rotated.previous.id,
      previous_key_expires_at: rotated.previous.expiresAt,
      event_id: eventId,
    });
    return { ...presentApiKey(rotated.apiKey), key: rotated.key };
  }
}
