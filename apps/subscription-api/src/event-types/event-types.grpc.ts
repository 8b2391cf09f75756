import { Controller } from '@nestjs/common';
import { GrpcMethod, Payload } from '@nestjs/microservices';
import { Allow, TenantId } from '../auth/principal';
import { GrpcField } from '../grpc/grpc-field';
import {
  grpcPage,
  restBody,
  restQuery,
  stringList,
  withoutNulls,
  type GrpcFieldShape,
  withCleared,
} from '../grpc/grpc-mapping';
import { structOrNull, toListValue } from '../grpc/struct';
import { eventTypePageRequest, readEventTypeChanges, readNewEventType } from './event-type-input';
import type { EventTypeView } from './event-type.view';
import { EventTypesService } from './event-types.service';
import { EventTypePreviewService } from './event-type-preview.service';
import { previewBody, previewMessage } from '../grpc/preview-mapping';
import { readPreview } from '../common/preview';

const SHAPES: Record<string, GrpcFieldShape> = {
  schema: 'struct',
  trigger_fields: 'string_list',
  payload_fields: 'string_list',
  examples: 'list_value',
};
const CLEARABLE = ['schema', 'trigger_fields', 'payload_fields', 'transformation', 'examples'];

function toMessage(view: EventTypeView) {
  return withoutNulls({
    ...view,
    schema: structOrNull(view.schema),
    trigger_fields: stringList(view.trigger_fields),
    payload_fields: stringList(view.payload_fields),
    examples: toListValue(view.examples),
  });
}

/** `herald.admin.v1.AdminService` event type operations; the same service as REST. */
@Controller()
@Allow('tenant')
export class EventTypesGrpcController {
  constructor(
    private readonly eventTypes: EventTypesService,
    private readonly previews: EventTypePreviewService,
  ) {}

  @GrpcMethod('AdminService', 'CreateEventType')
  async create(@Payload() request: object, @TenantId() tenantId: string) {
    const input = readNewEventType(restBody(request, SHAPES));
    return toMessage(await this.eventTypes.create(tenantId, input));
  }

  @GrpcMethod('AdminService', 'ListEventTypes')
  async list(@Payload() request: object, @TenantId() tenantId: string) {
    const page = eventTypePageRequest(restQuery(request));
    return grpcPage(await this.eventTypes.list(tenantId, page), toMessage);
  }

  @GrpcMethod('AdminService', 'GetEventType')
  async get(@GrpcField('name') name: string, @TenantId() tenantId: string) {
    return toMessage(await this.eventTypes.get(tenantId, name));
  }

  @GrpcMethod('AdminService', 'PreviewEventType')
  async preview(
    @GrpcField('name') name: string,
    @Payload() request: { event_id?: string; event?: object },
    @TenantId() tenantId: string,
  ) {
    const source = readPreview(previewBody(request), tenantId, { type: name });
    return previewMessage(await this.previews.preview(tenantId, name, source));
  }

  @GrpcMethod('AdminService', 'UpdateEventType')
  async update(
    @GrpcField('name') name: string,
    @Payload() request: { clear_fields?: string[] },
    @TenantId() tenantId: string,
  ) {
    const body = withCleared(
      restBody(request, SHAPES, ['name', 'clear_fields']),
      request.clear_fields,
      CLEARABLE,
    );
    return toMessage(await this.eventTypes.update(tenantId, name, readEventTypeChanges(body)));
  }

  @GrpcMethod('AdminService', 'ArchiveEventType')
  async archive(@GrpcField('name') name: string, @TenantId() tenantId: string) {
    return toMessage(await this.eventTypes.archive(tenantId, name));
  }

  @GrpcMethod('AdminService', 'UnarchiveEventType')
  async unarchive(@GrpcField('name') name: string, @TenantId() tenantId: string) {
    return toMessage(await this.eventTypes.unarchive(tenantId, name));
  }
}
