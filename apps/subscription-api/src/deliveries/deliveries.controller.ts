import { Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Allow, TenantId } from '../auth/principal';
import { DeliveriesService } from './deliveries.service';
import { nextPageUrl, readDeliveryListQuery } from './delivery-list-query';
import type { Query as QueryParameters } from '../common/query-schema';

/** Tenant routes: the delivery history (OpenSolar's queue view and process log) and retry. */
@Controller('v1/deliveries')
@Allow('tenant')
export class DeliveriesController {
  constructor(private readonly deliveries: DeliveriesService) {}

  /** Newest first; `format=csv` answers one CSV batch and puts the next batch's cursor in headers. */
  @Get()
  async list(
    @TenantId() tenantId: string,
    @Query() query: QueryParameters,
    @Res({ passthrough: true }) response: Response,
  ) {
    const request = readDeliveryListQuery(query);
    if (request.format === 'json') {
      return this.deliveries.list(tenantId, request.filter, request.page);
    }
    const { csv, nextCursor } = await this.deliveries.exportCsv(
      tenantId,
      request.filter,
      request.page,
    );
    response.setHeader('content-type', 'text/csv; charset=utf-8');
    response.setHeader('content-disposition', 'attachment; filename="deliveries.csv"');
    if (nextCursor !== null) {
      response.setHeader('x-next-cursor', nextCursor);
      response.setHeader(
        'link',
        `<${nextPageUrl('/v1/deliveries', query, nextCursor)}>; rel="next"`,
      );
    }
    return csv;
  }

  @Get(':id')
  get(@TenantId() tenantId: string, @Param('id') id: string) {
    return this.deliveries.get(tenantId, id);
  }

  @Post(':id/retry')
  @HttpCode(202)
  retry(@TenantId() tenantId: string, @Param('id') id: string) {
    return this.deliveries.retry(tenantId, id);
  }
}
