import type { JsonObject, JsonValue } from '@herald/domain';
import { EVENT_SHAPES, payloadInData, restBody, stringList, withoutNulls } from './grpc-mapping';
import { toValue } from './struct';

/** A gRPC preview request (`event_id`, or `event` as a `PublishEventRequest`) as its REST body. */
export function previewBody(request: { event_id?: string; event?: object }): JsonObject {
  const body: JsonObject = {};
  if (request.event_id) body.event_id = request.event_id;
  if (request.event) {
    body.event = payloadInData(restBody(request.event, EVENT_SHAPES, ['idempotency_key']));
  }
  return body;
}

/** A REST preview answer as its gRPC message: `data` a google.protobuf.Value, the parsed body left out. */
export function previewMessage<
  P extends { event: { data: JsonValue; changed_fields: string[] | null }; body: unknown },
>(preview: P) {
  // gRPC carries the exact bytes (`raw_body`) only, not the body parsed again.
  const rest: Omit<P, 'body'> & { body?: unknown } = { ...preview };
  delete rest.body;
  return withoutNulls({
    ...rest,
    event: withoutNulls({
      ...preview.event,
      data: toValue(preview.event.data),
      changed_fields: stringList(preview.event.changed_fields),
    }),
  });
}
