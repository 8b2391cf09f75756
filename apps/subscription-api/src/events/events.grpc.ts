import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod, Payload } from '@nestjs/microservices';
import { HERALD_CONFIG } from '@herald/config';
import { isJsonObject } from '@herald/domain';
import { Allow, TenantId } from '../auth/principal';
import { GrpcField } from '../grpc/grpc-field';
import {
  EVENT_SHAPES,
  grpcPage,
  payloadInData,
  restBody,
  restQuery,
  stringList,
  withoutNulls,
} from '../grpc/grpc-mapping';
import { toStruct, toValue } from '../grpc/struct';
import { readEventListQuery, readInboundEvent, readReplay } from './event-input';
import type { EventSummaryView, EventView } from './event.view';
import { EventsService } from './events.service';
import type { SubscriptionApiConfig } from '../subscription-api.config';

function summaryMessage(view: EventSummaryView) {
  return withoutNulls({ ...view, changed_fields: stringList(view.changed_fields) });
}

/** `data` stays a Struct for clients that read it before lists and scalars were allowed. */
function eventMessage({ data, ...view }: EventView) {
  return {
    ...summaryMessage(view),
    ...(isJsonObject(data) ? { data: toStruct(data) } : {}),
    data_value: toValue(data),
    deliveries: view.deliveries.map(withoutNulls),
    ...(view.failure ? { failure: view.failure } : {}),
  };
}

/** `herald.admin.v1.AdminService` event operations: ingest, history and replay; the same service as REST. */
@Controller()
@Allow('tenant')
export class EventsGrpcController {
  constructor(
    @Inject(HERALD_CONFIG) private readonly config: SubscriptionApiConfig,
    private readonly events: EventsService,
  ) {}

  /** The envelope as `POST /v1/events` takes it, with the `Idempotency-Key` header as a field. */
  @GrpcMethod('AdminService', 'PublishEvent')
  publish(@Payload() request: { idempotency_key?: string }, @TenantId() tenantId: string) {
    const envelope = readInboundEvent(
      {
        body: payloadInData(restBody(request, EVENT_SHAPES, ['idempotency_key'])),
        idempotencyKey: request.idempotency_key,
        idempotencyKeyField: 'idempotency_key',
        contentLength: undefined,
      },
      tenantId,
      this.config.ingest.maxEventBytes,
    );
    return this.events.ingest(tenantId, envelope);
  }

  @GrpcMethod('AdminService', 'ListEvents')
  async list(@Payload() request: object, @TenantId() tenantId: string) {
    const { filter, page } = readEventListQuery(restQuery(request));
    return grpcPage(await this.events.list(tenantId, filter, page), summaryMessage);
  }

  @GrpcMethod('AdminService', 'GetEvent')
  async get(@GrpcField('id') id: string, @TenantId() tenantId: string) {
    return eventMessage(await this.events.get(tenantId, id));
  }

  @GrpcMethod('AdminService', 'ReplayEvent')
  async replay(
    @GrpcField('id') id: string,
    @Payload() request: object,
    @TenantId() tenantId: string,
  ) {
    const { subscriptionIds } = readReplay(
      restBody(request, { subscription_ids: 'string_list' }, ['id']),
    );
    const { deliveries } = await this.events.replay(tenantId, id, subscriptionIds);
    return { deliveries: deliveries.map(withoutNulls) };
  }
}
