import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { Allow, TenantId } from '../auth/principal';
import { eventTypePageRequest, readEventTypeChanges, readNewEventType } from './event-type-input';
import type { Query as QueryParameters } from '../common/query-schema';
import { EventTypesService } from './event-types.service';
import { EventTypePreviewService } from './event-type-preview.service';
import { readPreview } from '../common/preview';

/** Tenant routes: the caller's event type catalog, addressed by name. */
@Controller('v1/event-types')
@Allow('tenant')
export class EventTypesController {
  constructor(
    private readonly eventTypes: EventTypesService,
    private readonly previews: EventTypePreviewService,
  ) {}

  @Post()
  @HttpCode(201)
  create(@TenantId() tenantId: string, @Body() body: unknown) {
    return this.eventTypes.create(tenantId, readNewEventType(body));
  }

  @Get()
  list(@TenantId() tenantId: string, @Query() query: QueryParameters) {
    return this.eventTypes.list(tenantId, eventTypePageRequest(query));
  }

  @Get(':name')
  get(@TenantId() tenantId: string, @Param('name') name: string) {
    return this.eventTypes.get(tenantId, name);
  }

  /** What a subscription of this type that sets nothing of its own would be sent; sends nothing. */
  @Post(':name/preview')
  @HttpCode(200)
  preview(@TenantId() tenantId: string, @Param('name') name: string, @Body() body: unknown) {
    return this.previews.preview(tenantId, name, readPreview(body, tenantId, { type: name }));
  }

  @Patch(':name')
  update(@TenantId() tenantId: string, @Param('name') name: string, @Body() body: unknown) {
    return this.eventTypes.update(tenantId, name, readEventTypeChanges(body));
  }

  /** Archives rather than deletes (as Svix does): the type stays for history and can come back. */
  @Delete(':name')
  archive(@TenantId() tenantId: string, @Param('name') name: string) {
    return this.eventTypes.archive(tenantId, name);
  }

  @Post(':name/unarchive')
  @HttpCode(200)
  unarchive(@TenantId() tenantId: string, @Param('name') name: string) {
    return this.eventTypes.unarchive(tenantId, name);
  }
}
