import type { Static } from '@sinclair/typebox';
import { formatDuration, type Tenant } from '@herald/domain';
import type { TenantSchema } from './tenant.schema';

export type TenantView = Static<typeof TenantSchema>;

export const presentTenant = (tenant: Tenant): TenantView => ({
  id: tenant.id,
  name: tenant.name,
  created_at: tenant.createdAt,
  retention: tenant.retentionMs === null ? null : formatDuration(tenant.retentionMs),
});
