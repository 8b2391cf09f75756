import { Injectable } from '@nestjs/common';
import { formatDuration, parseDuration, type Tenant } from '@herald/domain';
import { RetentionRepository, TenantsRepository, type PageRequest } from '@herald/persistence';
import { assertValid, BodyReader } from '../common/body-reader';
import { pageResponse } from '../common/pagination';
import { presentApiKey } from '../api-keys/api-key.view';
import { notFound } from '../errors/api-error';

export const presentTenant = (tenant: Tenant) => ({
  id: tenant.id,
  name: tenant.name,
  created_at: tenant.createdAt,
  retention: tenant.retentionMs === null ? null : formatDuration(tenant.retentionMs),
});

const MAX_RETENTION_MS = 3650 * 86_400_000;

/**
 * `retention`: a duration such as `90d` (1s to 3650d) for the tenant's own retention, null for
 * `HERALD_RETENTION`; undefined when the body leaves it out.
 */
function retentionIn(reader: BodyReader, body: unknown): number | null | undefined {
  if (!reader.has('retention')) return undefined;
  if ((body as { retention: unknown }).retention === null) return null;
  const text = reader.string('retention', {
    max: 20,
    pattern: /^\d+(ms|s|m|h|d)$/,
    hint: 'must be a duration such as 30s, 12h or 90d, or null for the default',
  });
  const ms = text === undefined ? null : parseDuration(text);
  if (ms === null) return undefined;
  if (ms < 1000 || ms > MAX_RETENTION_MS) {
    reader.problem('retention', 'must be from 1s to 3650d');
    return undefined;
  }
  return ms;
}

/** Tenants and the creation of their API keys (operator); REST and gRPC call this. */
@Injectable()
export class TenantsService {
  constructor(
    private readonly tenants: TenantsRepository,
    private readonly retention: RetentionRepository,
  ) {}

  async create(body: unknown) {
    const reader = new BodyReader(body);
    const name = reader.string('name', { required: true, max: 200 });
    const retention = retentionIn(reader, body);
    reader.onlyKnown(['name', 'retention']);
    assertValid(reader);
    return presentTenant(await this.tenants.create(name, retention ?? null));
  }

  /** Changes what the body names; today that is the tenant's retention. */
  async update(id: string, body: unknown) {
    const reader = new BodyReader(body);
    const retention = retentionIn(reader, body);
    reader.onlyKnown(['retention']);
    assertValid(reader);
    if (retention !== undefined && !(await this.retention.setRetention(id, retention))) {
      throw notFound('tenant', id);
    }
    return this.get(id);
  }

  async list(page: PageRequest) {
    return pageResponse(await this.tenants.list(page), presentTenant);
  }

  async get(id: string) {
    const tenant = await this.tenants.get(id);
    if (!tenant) throw notFound('tenant', id);
    return presentTenant(tenant);
  }

  /** The key is in this response only; Herald keeps its hash. */
  async createApiKey(tenantId: string, body: unknown) {
    const reader = new BodyReader(body ?? {});
    const name = reader.string('name', { max: 200 }) ?? '';
    reader.onlyKnown(['name']);
    assertValid(reader);
    if (!(await this.tenants.exists(tenantId))) throw notFound('tenant', tenantId);
    const { apiKey, key } = await this.tenants.createApiKey(tenantId, name);
    return { ...presentApiKey(apiKey), key };
  }
}
