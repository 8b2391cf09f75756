import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { Allow } from '../auth/principal';
import { readPageQuery, type Query as QueryParameters } from '../common/query-schema';
import { TenantsService } from './tenants.service';

/** Operator routes: tenants and their API keys. */
@Controller('v1/tenants')
@Allow('operator')
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Post()
  @HttpCode(201)
  create(@Body() body: unknown) {
    return this.tenants.create(body);
  }

  @Get()
  list(@Query() query: QueryParameters) {
    return this.tenants.list(readPageQuery(query));
  }

  @Get(':id')
  get(@Param('id') id: string) {
    return this.tenants.get(id);
  }

  @Patch(':id')
  update(@Param('id') id: string, @Body() body: unknown) {
    return this.tenants.update(id, body);
  }

  @Post(':id/api-keys')
  @HttpCode(201)
  createApiKey(@Param('id') id: string, @Body() body: unknown) {
    return this.tenants.createApiKey(id, body);
  }
}
