import { Controller, Delete, Get, HttpCode, Param, Query } from '@nestjs/common';
import { Allow } from '../auth/principal';
import { readPageQuery, type Query as QueryParameters } from '../common/query-schema';
import { ApiKeysService } from './api-keys.service';

/** Operator routes: a tenant's API keys (creating one stays on TenantsController). */
@Controller('v1/tenants/:id/api-keys')
@Allow('operator')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Get()
  list(@Param('id') tenantId: string, @Query() query: QueryParameters) {
    return this.apiKeys.list(tenantId, readPageQuery(query));
  }

  @Delete(':key_id')
  @HttpCode(204)
  async revoke(@Param('id') tenantId: string, @Param('key_id') keyId: string): Promise<void> {
    await this.apiKeys.revoke(tenantId, keyId);
  }
}
