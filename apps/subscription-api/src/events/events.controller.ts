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
import { HERALD_CONFIG, type HeraldConfig } from '@herald/config';
import { Allow, TenantId } from '../auth/principal';
import {
  readEventListQuery,
  readInboundEvent,
  readReplay,
  type EventListQuery,
} from './event-input';
import { EventsService } from './events.service';

/** Tenant routes: HTTP ingest, the event history and replay, scoped by the caller's tenant. */
@Controller('v1/events')
@Allow('tenant')
export class EventsController {
  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    private readonly events: EventsService,
  ) {}

  /** 202: the event is queued for ingest, which stores it and fans it out asynchronously. */
  @Post()
  @HttpCode(202)
  ingest(
    @TenantId() tenantId: string,
    @Body() body: unknown,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Headers('content-length') contentLength: string | undefined,
  ) {
    const envelope = readInboundEvent(
      { body, idempotencyKey, contentLength },
      tenantId,
      this.config.maxEventBytes,
    );
    return this.events.ingest(tenantId, envelope);
  }

  @Get()
  list(@TenantId() tenantId: string, @Query() query: EventListQuery) {
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
