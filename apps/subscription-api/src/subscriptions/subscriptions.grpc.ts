import { Controller } from '@nestjs/common';
import { GrpcMethod, Payload } from '@nestjs/microservices';
import { destinationTypes, type JsonObject } from '@herald/domain';
import { Allow, TenantId } from '../auth/principal';
import { readPageQuery } from '../common/query-schema';
import { grpcPage, restQuery, withCleared, withoutNulls } from '../grpc/grpc-mapping';

/** Fields an update may set back to null (the defaults, or none). */
const CLEARABLE = [
  'filter',
  'trigger_fields',
  'payload_fields',
  'rate_limit_per_second',
  'max_in_flight',
  'transformation',
  'metadata',
];
import { fromStruct, structOrNull, toStruct, type ProtoStruct } from '../grpc/struct';
import { readNewSubscription, readSubscriptionPatch } from './subscription-input';
import type { SubscriptionView } from './subscription.view';
import { SubscriptionsService } from './subscriptions.service';

/** The proto's `Destination`: `type` and the settings of every kind, by their names. */
type GrpcDestination = Record<string, unknown>;

/** Settings proto3 cannot leave unset (maps and repeated fields): empty means not given. */
const ALWAYS_SET = new Set(
  destinationTypes().flatMap((kind) =>
    kind.settings
      .filter((setting) => setting.type === 'string_map' || setting.type === 'string_list')
      .map((setting) => setting.name),
  ),
);

function isEmpty(value: unknown): boolean {
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && value !== null && Object.keys(value).length === 0;
}

interface GrpcSubscriptionInput {
  description?: string;
  enabled?: boolean;
  debug?: boolean;
  event_types?: string[];
  destination?: GrpcDestination;
  filter?: ProtoStruct;
  trigger_fields?: { values?: string[] };
  payload_fields?: { values?: string[] };
  ordering?: string;
  rate_limit_per_second?: number;
  max_in_flight?: number;
  transformation?: string;
  metadata?: ProtoStruct;
}

/** The gRPC input as the REST body it means, so both are validated by the same reader. */
function toBody(input: GrpcSubscriptionInput = {}): JsonObject {
  const body: JsonObject = {};
  if (input.description !== undefined) body.description = input.description;
  if (input.enabled !== undefined) body.enabled = input.enabled;
  if (input.debug !== undefined) body.debug = input.debug;
  if (input.event_types && input.event_types.length > 0) body.event_types = input.event_types;
  if (input.destination) {
    body.destination = Object.fromEntries(
      Object.entries(withoutNulls(input.destination)).filter(
        ([name, value]) => !(ALWAYS_SET.has(name) && isEmpty(value)),
      ),
    ) as JsonObject;
  }
  if (input.filter) body.filter = fromStruct(input.filter);
  if (input.trigger_fields) body.trigger_fields = input.trigger_fields.values ?? [];
  if (input.payload_fields) body.payload_fields = input.payload_fields.values ?? [];
  if (input.ordering !== undefined) body.ordering = input.ordering;
  if (input.rate_limit_per_second !== undefined)
    body.rate_limit_per_second = input.rate_limit_per_second;
  if (input.max_in_flight !== undefined) body.max_in_flight = input.max_in_flight;
  if (input.transformation !== undefined) body.transformation = input.transformation;
  if (input.metadata) body.metadata = fromStruct(input.metadata);
  return body;
}

function toMessage(view: SubscriptionView & { secret?: string }) {
  return withoutNulls({
    ...view,
    destination: withoutNulls(view.destination),
    filter: structOrNull(view.filter),
    metadata: toStruct(view.metadata),
    trigger_fields: view.trigger_fields ? { values: view.trigger_fields } : null,
    payload_fields: view.payload_fields ? { values: view.payload_fields } : null,
  });
}

/** `herald.admin.v1.AdminService` subscription operations; the same service as REST. */
@Controller()
@Allow('tenant')
export class SubscriptionsGrpcController {
  constructor(private readonly subscriptions: SubscriptionsService) {}

  @GrpcMethod('AdminService', 'CreateSubscription')
  async create(@Payload() input: GrpcSubscriptionInput, @TenantId() tenantId: string) {
    return toMessage(await this.subscriptions.create(tenantId, readNewSubscription(toBody(input))));
  }

  @GrpcMethod('AdminService', 'ListSubscriptions')
  async list(@Payload() request: object, @TenantId() tenantId: string) {
    return grpcPage(
      await this.subscriptions.list(tenantId, readPageQuery(restQuery(request))),
      toMessage,
    );
  }

  @GrpcMethod('AdminService', 'GetSubscription')
  async get(@Payload() request: { id: string }, @TenantId() tenantId: string) {
    return toMessage(await this.subscriptions.get(tenantId, request.id));
  }

  @GrpcMethod('AdminService', 'UpdateSubscription')
  async update(
    @Payload()
    request: { id: string; subscription?: GrpcSubscriptionInput; clear_fields?: string[] },
    @TenantId() tenantId: string,
  ) {
    const body = withCleared(toBody(request.subscription), request.clear_fields, CLEARABLE);
    const patch = readSubscriptionPatch(body);
    return toMessage(await this.subscriptions.update(tenantId, request.id, patch));
  }

  @GrpcMethod('AdminService', 'DeleteSubscription')
  async delete(@Payload() request: { id: string }, @TenantId() tenantId: string) {
    await this.subscriptions.delete(tenantId, request.id);
    return {};
  }

  @GrpcMethod('AdminService', 'GetSubscriptionSecret')
  secret(@Payload() request: { id: string }, @TenantId() tenantId: string) {
    return this.subscriptions.secret(tenantId, request.id);
  }

  @GrpcMethod('AdminService', 'RotateSubscriptionSecret')
  rotate(
    @Payload() request: { id: string; overlap_seconds?: number },
    @TenantId() tenantId: string,
  ) {
    return this.subscriptions.rotateSecret(
      tenantId,
      request.id,
      request.overlap_seconds === undefined ? undefined : request.overlap_seconds * 1000,
    );
  }
}
