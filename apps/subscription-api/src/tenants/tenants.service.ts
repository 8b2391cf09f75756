import { Injectable } from '@nestjs/common';
import { RetentionRepository, TenantsRepository, type PageRequest } from '@herald/persistence';
import { pageResponse } from '../common/pagination';
import { presentTenant } from './tenant.view';
import { presentApiKey } from '../api-keys/api-key.view';
import { readApiKeyName } from '../api-keys/api-key-input';
import { readNewTenant, readTenantChanges } from './tenant-input';
import { notFound } from '../errors/api-error';

/** Tenants and the creation of their API keys (operator); REST and gRPC call this. */
@Injectable()
export class TenantsService {
  constructor(
    private readonly tenants: TenantsRepository,
    private readonly retention: RetentionRepository,
  ) {}

  async create(body: unknown) {
    const { name, retention } = readNewTenant(body);
    return presentTenant(await this.tenants.create(name, retention));
  }

  /** Changes what the body names; today that is the tenant's retention. */
  async update(id: string, body: unknown) {
    const { retention } = readTenantChanges(body);
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
    const name = readApiKeyName(body) ?? '';
    if (!(await this.tenants.exists(tenantId))) throw notFound('tenant', tenantId);
    const { apiKey, key } = await this.tenants.createApiKey(tenantId, name);
    return { ...presentApiKey(apiKey), key };
  }
}
