import type { Static } from '@sinclair/typebox';
import type { ApiKey } from '@herald/domain';
import type { ApiKeySchema } from './api-key.schema';

export type ApiKeyView = Static<typeof ApiKeySchema>;

/** An API key as the API shows it: never the key itself nor its hash. */
export const presentApiKey = (key: ApiKey): ApiKeyView => ({
  id: key.id,
  tenant_id: key.tenantId,
  name: key.name,
  prefix: key.prefix,
  created_at: key.createdAt,
  expires_at: key.expiresAt,
  revoked_at: key.revokedAt,
});
