import {
  context,
  INVALID_SPAN_CONTEXT,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type TextMapGetter,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as OtlpJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVICE_NAME,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import type { NextFunction, Request, Response } from 'express';
import type { OtlpProtocol } from '@herald/config';

export type { Attributes, Span } from '@opentelemetry/api';

/**
 * Messaging attributes are still "incubating" in the semantic conventions (their package advises
 * copying them rather than importing its unstable entry point). Semconv 1.45 renamed three of them
 * (`messaging.system.name`, `kafka.offset`, `kafka.message.key`); spans carry both the new names and
 * the older ones today's Kafka instrumentations and trace backends still key on, as OpenTelemetry's
 * own instrumentations do while a convention migrates (see `messagingSystem`, `kafkaMessage`).
 */
export const MessagingAttributes = {
  system: 'messaging.system',
  systemName: 'messaging.system.name',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  destinationName: 'messaging.destination.name',
  consumerGroupName: 'messaging.consumer.group.name',
  partitionId: 'messaging.destination.partition.id',
  batchMessageCount: 'messaging.batch.message_count',
  kafkaOffset: 'kafka.offset',
  kafkaMessageKey: 'kafka.message.key',
  legacyKafkaOffset: 'messaging.kafka.offset',
  legacyKafkaMessageKey: 'messaging.kafka.message.key',
} as const;

/** The messaging system under its current and its older attribute name. */
export function messagingSystem(system: string): Attributes {
  return { [MessagingAttributes.systemName]: system, [MessagingAttributes.system]: system };
}

/** A Kafka message's key and offset (when known) under their current and older names. */
function kafkaMessage(key: string | null | undefined, offset?: number): Attributes {
  return {
    ...(typeof key === 'string'
      ? {
          [MessagingAttributes.kafkaMessageKey]: key,
          [MessagingAttributes.legacyKafkaMessageKey]: key,
        }
      : {}),
    ...(offset === undefined
      ? {}
      : {
          [MessagingAttributes.kafkaOffset]: offset,
          [MessagingAttributes.legacyKafkaOffset]: offset,
        }),
  };
}

const TRACER_NAME = 'herald';
const TRACE_HEADERS = new Set(['traceparent', 'tracestate']);

export interface Tracing {
  /** Exports the spans still buffered and stops tracing. */
  shutdown(): Promise<void>;
  /** Exports the spans buffered so far. */
  flush(): Promise<void>;
}

const OFF: Tracing = { shutdown: () => Promise.resolve(), flush: () => Promise.resolve() };

let started: Tracing | null = null;
/** True while spans are recorded; every helper below does nothing else while it is false. */
let enabled = false;

/**
 * Turns on tracing for this process (one process is one service) when a traces URL is configured:
 * spans go in batches to it over OTLP/HTTP (protobuf, or JSON), and W3C trace context crosses HTTP
 * and Kafka. Without one nothing is registered and the helpers below only run the work they wrap.
 */
export function startTracing(options: {
  serviceName: string;
  /** The OTLP/HTTP traces URL (`HeraldConfig.telemetry.otel.tracesUrl`); null leaves tracing off. */
  url: string | null;
  protocol?: OtlpProtocol;
  /** Replaces the OTLP exporter (a unit test's in-memory one). */
  exporter?: SpanExporter;
}): Tracing {
  if (started) return started;
  if (options.url === null) {
    started = OFF;
    return started;
  }
  const resource = detectResources({ detectors: [envDetector] }).merge(
    resourceFromAttributes({
      [ATTR_SERVICE_NAME]: options.serviceName,
    }),
  );
  const provider = new TracerProvider({
    resource,
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: options.exporter ?? traceExporter(options.url, options.protocol),
        scheduledDelayMillis: scheduledDelay(process.env.OTEL_BSP_SCHEDULE_DELAY),
      }),
    ],
  });
  // What NodeTracerProvider.register did before SDK 3: the provider, a context that follows async
  // calls, and trace context only (baggage would carry arbitrary caller-set entries into every
  // Kafka message).
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  enabled = true;
  started = {
    flush: () => provider.forceFlush(),
    shutdown: async () => {
      if (!enabled) return;
      enabled = false;
      await provider.shutdown();
    },
  };
  return started;
}

/**
 * How long spans wait to be sent in a batch: `OTEL_BSP_SCHEDULE_DELAY` (milliseconds; the SDK stopped
 * reading it in 3.0), else 500, so a trace is complete in the backend about a second after its last
 * span ends.
 */
export function scheduledDelay(setting: string | undefined): number {
  const ms = Number(setting);
  return setting !== undefined && setting.trim() !== '' && Number.isFinite(ms) && ms >= 0
    ? ms
    : 500;
}

function traceExporter(url: string, protocol: OtlpProtocol = 'http/protobuf'): SpanExporter {
  return protocol === 'http/json'
    ? new OtlpJsonTraceExporter({ url })
    : new OtlpProtobufTraceExporter({ url });
}

function tracer() {
  return trace.getTracer(TRACER_NAME);
}

/** What a helper hands its work while tracing is off: records nothing, costs nothing. */
const NOT_RECORDING: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

const headerGetter: TextMapGetter<Record<string, string | string[] | undefined>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};

/** Marks a span failed: error status, `error.type`, and the message. */
export function failSpan(span: Span, errorType: string, message?: string): void {
  span.setAttribute(ATTR_ERROR_TYPE, errorType);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

/** Runs `work` as the active span, ending it after; a throw is recorded on it and rethrown. */
async function runIn<R>(span: Span, parent: Context, work: (span: Span) => Promise<R>): Promise<R> {
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (error) {
    const failure = error instanceof Error ? error : new Error(String(error));
    span.recordException(failure);
    failSpan(span, failure.name || 'Error', failure.message);
    throw error;
  } finally {
    span.end();
  }
}

/** Probes and scrapes: a root trace every few seconds per pod, telling nothing. */
const UNTRACED_PATHS = /^\/(?:health(?:\/live|\/ready)?|metrics)\/?$/;

/**
 * Express middleware: one SERVER span per request, continuing a `traceparent` the caller sent, named
 * `<METHOD> <route template>` once the route is known. The span is active while the handler runs,
 * so what the handler does (a Kafka publish) becomes its child.
 */
export function httpServerTracing(): (
  request: Request,
  response: Response,
  next: NextFunction,
) => void {
  return (request, response, next) => {
    if (!enabled || UNTRACED_PATHS.test(request.path)) {
      next();
      return;
    }
    const parent = propagation.extract(ROOT_CONTEXT, request.headers, headerGetter);
    const userAgent = request.headers['user-agent'];
    const span = tracer().startSpan(
      request.method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: request.method,
          // Never the query string: it may hold a token.
          [ATTR_URL_PATH]: request.path,
          [ATTR_URL_SCHEME]: request.protocol,
          ...(userAgent ? { [ATTR_USER_AGENT_ORIGINAL]: userAgent } : {}),
        },
      },
      parent,
    );
    const active = trace.setSpan(parent, span);
    const end = (aborted: boolean): void => {
      // Semantic conventions: `METHOD route`, or the method alone when no route matched (a scanner's
      // random paths must not become span names).
      const route = (request.route as { path?: unknown } | undefined)?.path;
      if (typeof route === 'string') {
        span.updateName(`${request.method} ${request.baseUrl}${route}`);
        span.setAttribute(ATTR_HTTP_ROUTE, `${request.baseUrl}${route}`);
      }
      if (aborted) failSpan(span, 'aborted', 'the client closed the connection first');
      else {
        span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, response.statusCode);
        if (response.statusCode >= 500) failSpan(span, String(response.statusCode));
      }
      span.end();
    };
    response.once('finish', () => end(false));
    response.once('close', () => {
      if (!response.writableFinished) end(true);
    });
    context.with(active, next);
  };
}

export interface ConsumedMessageInfo {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  headers: Record<string, string>;
}

/**
 * Handles one consumed message in a CONSUMER span `process <topic>` whose parent is the context the
 * producer put in the message's headers, so one trace follows an event across services.
 */
export function consumeSpan<R>(
  group: string,
  message: ConsumedMessageInfo,
  work: (span: Span) => Promise<R>,
): Promise<R> {
  if (!enabled) return work(NOT_RECORDING);
  const parent = propagation.extract(ROOT_CONTEXT, message.headers, headerGetter);
  const span = tracer().startSpan(
    `process ${message.topic}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        ...messagingSystem('kafka'),
        [MessagingAttributes.operationType]: 'process',
        [MessagingAttributes.operationName]: 'process',
        [MessagingAttributes.destinationName]: message.topic,
        [MessagingAttributes.consumerGroupName]: group,
        [MessagingAttributes.partitionId]: String(message.partition),
        ...kafkaMessage(message.key, Number(message.offset)),
      },
    },
    parent,
  );
  return runIn(span, parent, work);
}

/** The active trace context, for work to run in later (a batch handler's part for one message). */
export function captureContext(): <R>(work: () => R) => R {
  if (!enabled) return (work) => work();
  const active = context.active();
  return (work) => context.with(active, work);
}

/**
 * Publishes in a PRODUCER span `send <topic>`; messages whose headers get `injectTraceContext`
 * inside `work` carry this span as their parent.
 */
export function producerSpan<R>(
  topic: string,
  messages: readonly { key?: string | Buffer | null }[],
  work: (span: Span) => Promise<R>,
): Promise<R> {
  if (!enabled) return work(NOT_RECORDING);
  const key = messages.length === 1 ? messages[0].key : undefined;
  const parent = context.active();
  const span = tracer().startSpan(
    `send ${topic}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        ...messagingSystem('kafka'),
        [MessagingAttributes.operationType]: 'send',
        [MessagingAttributes.operationName]: 'send',
        [MessagingAttributes.destinationName]: topic,
        [MessagingAttributes.batchMessageCount]: messages.length,
        ...kafkaMessage(typeof key === 'string' ? key : null),
      },
    },
    parent,
  );
  return runIn(span, parent, work);
}

/**
 * The headers with the active span's `traceparent` (and `tracestate`) in place of any they held, so
 * a message re-published (a retry) continues the trace of the work that re-published it. Unchanged
 * while tracing is off.
 */
export function injectTraceContext(headers: Record<string, string> = {}): Record<string, string> {
  if (!enabled) return headers;
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!TRACE_HEADERS.has(name.toLowerCase())) result[name] = value;
  }
  propagation.inject(context.active(), result);
  return result;
}

/**
 * An outbound call (a webhook, a mail, an SQS message) in a CLIENT span. Its attributes are built
 * only while tracing is on: the deliverer makes thousands of calls a second.
 */
export function clientSpan<R>(
  name: string,
  attributes: () => Attributes,
  work: (span: Span) => Promise<R>,
): Promise<R> {
  if (!enabled) return work(NOT_RECORDING);
  const parent = context.active();
  const span = tracer().startSpan(
    name,
    { kind: SpanKind.CLIENT, attributes: attributes() },
    parent,
  );
  return runIn(span, parent, work);
}
