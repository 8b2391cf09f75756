import { Injectable } from '@nestjs/common';
import type { Tenant } from '@herald/domain';
import { TenantsRepository, type PageRequest } from '@herald/persistence';
import { assertValid, BodyReader } from '../common/body-reader';
import { pageResponse } from '../common/pagination';
import { presentApiKey } from '../api-keys/api-key.view';
import { notFound } from '../errors/api-error';

export const presentTenant = (tenant: Tenant) => ({
  id: tenant.id,
  name: tenant.name,
  created_at: tenant.createdAt,
});

/** Tenants and the creation of their API keys (operator); REST and gRPC call this. */
@Injectable()
export class TenantsService {
  constructor(private readonly tenants: TenantsRepository) {}

  async create(body: unknown) {
    const reader = new BodyReader(body);
    const name = reader.string('name', { required: true, max: 200 });
    reader.onlyKnown(['name']);
    assertValid(reader);
    return presentTenant(await this.tenants.create(name));
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
