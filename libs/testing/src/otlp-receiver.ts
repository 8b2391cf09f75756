import { createServer, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { listenOnLoopback, loopbackUrl } from './loopback';

export type SpanKindName =
  'unspecified' | 'internal' | 'server' | 'client' | 'producer' | 'consumer';
export type AttributeValue = string | number | boolean | null | AttributeValue[];

/** One span as an OTLP collector received it, flattened with its resource's service name. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** Null for a root span. */
  parentSpanId: string | null;
  name: string;
  kind: SpanKindName;
  serviceName: string | null;
  attributes: Record<string, AttributeValue>;
  status: { code: 'unset' | 'ok' | 'error'; message: string };
  /** Names of the span's events (`exception`, …). */
  events: string[];
  /** How it was exported: `application/x-protobuf` or `application/json`. */
  contentType: string;
}

const KINDS: SpanKindName[] = [
  'unspecified',
  'internal',
  'server',
  'client',
  'producer',
  'consumer',
];
const STATUS = ['unset', 'ok', 'error'] as const;

/**
 * An OTLP/HTTP trace collector on loopback: accepts `POST /v1/traces` in both encodings the
 * specification defines (binary protobuf, the default, and JSON) and keeps every span it got.
 */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  private readonly server: Server;

  private constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (req.method !== 'POST' || req.url !== '/v1/traces') {
          res.writeHead(404).end();
          return;
        }
        const type = (req.headers['content-type'] ?? '').split(';')[0].trim();
        try {
          let body = Buffer.concat(chunks);
          if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
          const spans =
            type === 'application/json'
              ? spansFromJson(JSON.parse(body.toString('utf8')) as OtlpJsonRequest)
              : spansFromProtobuf(body);
          this.spans.push(...spans.map((span) => ({ ...span, contentType: type })));
          // An empty ExportTraceServiceResponse: everything accepted.
          res.writeHead(200, { 'content-type': type }).end(type === 'application/json' ? '{}' : '');
        } catch (error) {
          res.writeHead(400, { 'content-type': 'text/plain' }).end(String(error));
        }
      });
    });
  }

  static async start(): Promise<OtlpReceiver> {
    const receiver = new OtlpReceiver();
    await listenOnLoopback(receiver.server);
    return receiver;
  }

  /** The base URL, as OTEL_EXPORTER_OTLP_ENDPOINT takes it. */
  get url(): string {
    return loopbackUrl(this.server);
  }

  trace(traceId: string): ReceivedSpan[] {
    return this.spans.filter((span) => span.traceId === traceId);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

interface OtlpJsonAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
  arrayValue?: { values?: OtlpJsonAnyValue[] };
}

interface OtlpJsonKeyValue {
  key: string;
  value?: OtlpJsonAnyValue;
}

interface OtlpJsonRequest {
  resourceSpans?: {
    resource?: { attributes?: OtlpJsonKeyValue[] };
    scopeSpans?: {
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind?: number;
        attributes?: OtlpJsonKeyValue[];
        status?: { code?: number; message?: string };
        events?: { name: string }[];
      }[];
    }[];
  }[];
}

function jsonValue(value: OtlpJsonAnyValue | undefined): AttributeValue {
  if (!value) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(jsonValue);
  return null;
}

function jsonAttributes(list: OtlpJsonKeyValue[] | undefined): Record<string, AttributeValue> {
  return Object.fromEntries((list ?? []).map(({ key, value }) => [key, jsonValue(value)]));
}

function spansFromJson(request: OtlpJsonRequest): Omit<ReceivedSpan, 'contentType'>[] {
  return (request.resourceSpans ?? []).flatMap((resourceSpans) => {
    const serviceName = jsonAttributes(resourceSpans.resource?.attributes)['service.name'];
    return (resourceSpans.scopeSpans ?? []).flatMap((scope) =>
      (scope.spans ?? []).map((span) => ({
        traceId: span.traceId.toLowerCase(),
        spanId: span.spanId.toLowerCase(),
        parentSpanId: span.parentSpanId ? span.parentSpanId.toLowerCase() : null,
        name: span.name,
        kind: KINDS[span.kind ?? 0] ?? 'unspecified',
        serviceName: typeof serviceName === 'string' ? serviceName : null,
        attributes: jsonAttributes(span.attributes),
        status: {
          code: STATUS[span.status?.code ?? 0] ?? 'unset',
          message: span.status?.message ?? '',
        },
        events: (span.events ?? []).map((event) => event.name),
      })),
    );
  });
}

/** One field of a protobuf message: a varint, or the bytes of a length-delimited or fixed field. */
interface WireField {
  field: number;
  varint: bigint;
  bytes: Buffer;
}

/** The fields of a protobuf message in wire order (proto3 wire format; groups are not used by OTLP). */
function* wireFields(buffer: Buffer): Generator<WireField> {
  let position = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (position >= buffer.length) throw new Error('truncated varint');
      const byte = buffer[position++];
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  const take = (length: number): Buffer => {
    if (position + length > buffer.length) throw new Error('truncated field');
    const bytes = buffer.subarray(position, position + length);
    position += length;
    return bytes;
  };
  while (position < buffer.length) {
    const tag = varint();
    const field = Number(tag >> 3n);
    const wireType = Number(tag & 7n);
    switch (wireType) {
      case 0:
        yield { field, varint: varint(), bytes: Buffer.alloc(0) };
        break;
      case 1:
        yield { field, varint: 0n, bytes: take(8) };
        break;
      case 2:
        yield { field, varint: 0n, bytes: take(Number(varint())) };
        break;
      case 5:
        yield { field, varint: 0n, bytes: take(4) };
        break;
      default:
        throw new Error(`unsupported protobuf wire type ${wireType}`);
    }
  }
}

/** opentelemetry.proto.common.v1.AnyValue */
function protobufValue(bytes: Buffer): AttributeValue {
  let value: AttributeValue = null;
  for (const { field, varint, bytes: inner } of wireFields(bytes)) {
    if (field === 1) value = inner.toString('utf8');
    else if (field === 2) value = varint !== 0n;
    else if (field === 3) value = Number(BigInt.asIntN(64, varint));
    else if (field === 4) value = inner.readDoubleLE(0);
    else if (field === 5)
      value = [...wireFields(inner)]
        .filter((f) => f.field === 1)
        .map((f) => protobufValue(f.bytes));
  }
  return value;
}

/** repeated opentelemetry.proto.common.v1.KeyValue (key = 1, value = 2), at `field` of a message. */
function protobufAttributes(message: Buffer, field: number): Record<string, AttributeValue> {
  const attributes: Record<string, AttributeValue> = {};
  for (const entry of wireFields(message)) {
    if (entry.field !== field) continue;
    let key = '';
    let value: AttributeValue = null;
    for (const part of wireFields(entry.bytes)) {
      if (part.field === 1) key = part.bytes.toString('utf8');
      else if (part.field === 2) value = protobufValue(part.bytes);
    }
    attributes[key] = value;
  }
  return attributes;
}

/** opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest */
function spansFromProtobuf(body: Buffer): Omit<ReceivedSpan, 'contentType'>[] {
  const spans: Omit<ReceivedSpan, 'contentType'>[] = [];
  for (const resourceSpans of wireFields(body)) {
    if (resourceSpans.field !== 1) continue;
    let serviceName: string | null = null;
    const scopes: Buffer[] = [];
    for (const part of wireFields(resourceSpans.bytes)) {
      if (part.field === 1) {
        const name = protobufAttributes(part.bytes, 1)['service.name'];
        serviceName = typeof name === 'string' ? name : null;
      } else if (part.field === 2) scopes.push(part.bytes);
    }
    for (const scope of scopes) {
      for (const entry of wireFields(scope)) {
        if (entry.field === 2) spans.push(protobufSpan(entry.bytes, serviceName));
      }
    }
  }
  return spans;
}

/** opentelemetry.proto.trace.v1.Span */
function protobufSpan(
  bytes: Buffer,
  serviceName: string | null,
): Omit<ReceivedSpan, 'contentType'> {
  const span: Omit<ReceivedSpan, 'contentType'> = {
    traceId: '',
    spanId: '',
    parentSpanId: null,
    name: '',
    kind: 'unspecified',
    serviceName,
    attributes: protobufAttributes(bytes, 9),
    status: { code: 'unset', message: '' },
    events: [],
  };
  for (const { field, varint, bytes: inner } of wireFields(bytes)) {
    if (field === 1) span.traceId = inner.toString('hex');
    else if (field === 2) span.spanId = inner.toString('hex');
    else if (field === 4) span.parentSpanId = inner.length > 0 ? inner.toString('hex') : null;
    else if (field === 5) span.name = inner.toString('utf8');
    else if (field === 6) span.kind = KINDS[Number(varint)] ?? 'unspecified';
    else if (field === 11) {
      const name = [...wireFields(inner)].find((part) => part.field === 2);
      span.events.push(name ? name.bytes.toString('utf8') : '');
    } else if (field === 15) {
      for (const part of wireFields(inner)) {
        if (part.field === 2) span.status.message = part.bytes.toString('utf8');
        else if (part.field === 3) span.status.code = STATUS[Number(part.varint)] ?? 'unset';
      }
    }
  }
  return span;
}
