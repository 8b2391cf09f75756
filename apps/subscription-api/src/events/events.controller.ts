import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import { HERALD_CONFIG } from '@herald/config';
import { HeraldMetrics } from '@herald/observability';
import { ApiError } from '../errors/api-error';
import { Allow, TenantId } from '../auth/principal';
import type { Query as QueryParameters } from '../common/query-schema';
import { readEventListQuery, readInboundEvent, readReplay } from './event-input';
import { EventsService } from './events.service';
import type { SubscriptionApiConfig } from '../subscription-api.config';

/** Tenant routes: HTTP ingest, the event history and replay, scoped by the caller's tenant. */
@Controller('v1/events')
@Allow('tenant')
export class EventsController {
  constructor(
    @Inject(HERALD_CONFIG) private readonly config: SubscriptionApiConfig,
    private readonly events: EventsService,
    private readonly metrics: HeraldMetrics,
  ) {}

  /** 202: the event is queued for ingest, which stores it and fans it out asynchronously. */
  @Post()
  @HttpCode(202)
  async ingest(
    @TenantId() tenantId: string,
    @Body() body: unknown,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Headers('content-length') contentLength: string | undefined,
  ) {
    try {
      const envelope = readInboundEvent(
        { body, idempotencyKey, contentLength },
        tenantId,
        this.config.ingest.maxEventBytes,
      );
      return await this.events.ingest(tenantId, envelope);
    } catch (error) {
      // Accepted events are counted by event-ingest (labelled `http`); these never reach it.
      if (error instanceof ApiError) {
        this.metrics.events.inc({ transport: 'http', outcome: 'rejected', reason: error.code });
      }
      throw error;
    }
  }

  @Get()
  list(@TenantId() tenantId: string, @Query() query: QueryParameters) {
    const { filter, page } = readEventListQuery(query);
    return this.events.list(tenantId, filter, page);
  }

  @Get(':id')
  get(@TenantId() tenantId: string, @Param('id') id: string) {
    return this.events.get(tenantId, id);
  }

  @Post(':id/replay')
  @HttpCode(202)
  replay(@TenantId() tenantId: string, @Param('id') id: string, @Body() body: unknown) {
    return this.events.replay(tenantId, id, readReplay(body).subscriptionIds);
  }
}
