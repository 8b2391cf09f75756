import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import type { ApiKey, Tenant } from '@herald/domain';
import { TenantsRepository } from '@herald/persistence';
import { Allow } from '../auth/principal';
import { assertValid, BodyReader } from '../common/body-reader';
import { pageRequest, pageResponse, type ListQuery } from '../common/pagination';
import { notFound } from '../errors/api-error';

const presentTenant = (tenant: Tenant) => ({
  id: tenant.id,
  name: tenant.name,
  created_at: tenant.createdAt,
});

const presentApiKey = (key: ApiKey) => ({
  id: key.id,
  tenant_id: key.tenantId,
  name: key.name,
  prefix: key.prefix,
  created_at: key.createdAt,
  expires_at: key.expiresAt,
  revoked_at: key.revokedAt,
});

/** Operator routes: tenants and their API keys. */
@Controller('v1/tenants')
@Allow('operator')
export class TenantsController {
  constructor(private readonly tenants: TenantsRepository) {}

  @Post()
  @HttpCode(201)
  async create(@Body() body: unknown) {
    const reader = new BodyReader(body);
    const name = reader.string('name', { required: true, max: 200 });
    reader.onlyKnown(['name']);
    assertValid(reader);
    return presentTenant(await this.tenants.create(name));
  }

  @Get()
  async list(@Query() query: ListQuery) {
    return pageResponse(await this.tenants.list(pageRequest(query)), presentTenant);
  }

  @Get(':id')
  async get(@Param('id') id: string) {
    const tenant = await this.tenants.get(id);
    if (!tenant) throw notFound('tenant', id);
    return presentTenant(tenant);
  }

  /** The key is in this response only; Herald keeps its hash. */
  @Post(':id/api-keys')
  @HttpCode(201)
  async createApiKey(@Param('id') id: string, @Body() body: unknown) {
    const reader = new BodyReader(body ?? {});
    const name = reader.string('name', { max: 200 }) ?? '';
    reader.onlyKnown(['name']);
    assertValid(reader);
    if (!(await this.tenants.exists(id))) throw notFound('tenant', id);
    const { apiKey, key } = await this.tenants.createApiKey(id, name);
    return { ...presentApiKey(apiKey), key };
  }
}
