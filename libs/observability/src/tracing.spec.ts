import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { recordingExporter, waitFor } from '@herald/testing';
import {
  clientSpan,
  consumeSpan,
  httpServerTracing,
  injectTraceContext,
  producerSpan,
  startTracing,
  type Tracing,
  scheduledDelay,
} from './tracing';
import type * as TracingModule from './tracing';

/** A finished span in the terms the assertions use (those of an OTLP collector). */
interface Finished {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  kind: string;
  serviceName: unknown;
  attributes: ReadableSpan['attributes'];
  status: { code: 'unset' | 'ok' | 'error'; message: string };
  events: string[];
}

function finished(span: ReadableSpan): Finished {
  const context = span.spanContext();
  return {
    traceId: context.traceId,
    spanId: context.spanId,
    parentSpanId: span.parentSpanContext?.spanId ?? null,
    name: span.name,
    kind: SpanKind[span.kind].toLowerCase(),
    serviceName: span.resource.attributes['service.name'],
    attributes: span.attributes,
    status: {
      code:
        span.status.code === SpanStatusCode.ERROR
          ? 'error'
          : span.status.code === SpanStatusCode.OK
            ? 'ok'
            : 'unset',
      message: span.status.message ?? '',
    },
    events: span.events.map((event) => event.name),
  };
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

function parentOf(headers: Record<string, string>): { traceId: string; spanId: string } {
  const match = TRACEPARENT.exec(headers.traceparent ?? '');
  if (!match) throw new Error(`no traceparent in ${JSON.stringify(headers)}`);
  return { traceId: match[1], spanId: match[2] };
}

/** A request body sent in chunks some time apart. */
function slowly(chunks: string[]): ReadableStream<Uint8Array> {
  const queue = [...chunks];
  return new ReadableStream({
    async pull(controller) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const next = queue.shift();
      if (next === undefined) controller.close();
      else controller.enqueue(new TextEncoder().encode(next));
    },
  });
}

describe('tracing off: no OTLP endpoint', () => {
  it('registers nothing, adds no headers and only runs the work it wraps', async () => {
    let off!: typeof TracingModule;
    await jest.isolateModulesAsync(async () => {
      off = await import('./tracing');
    });
    const handle = off.startTracing({ serviceName: 'herald-test', url: null });
    expect(
      off.startTracing({ serviceName: 'herald-test', url: 'http://127.0.0.1:1/v1/traces' }),
    ).toBe(handle);
    await expect(handle.shutdown()).resolves.toBeUndefined();

    // No propagator, no provider: the API's defaults, which inject nothing and record nothing.
    expect(propagation.fields()).toEqual([]);
    expect(trace.getTracer('x').startSpan('x').isRecording()).toBe(false);

    const headers = { 'x-herald-source': 'api' };
    expect(off.injectTraceContext(headers)).toEqual({ 'x-herald-source': 'api' });
    const sent = await off.producerSpan('herald.events.inbound', [{ key: 'k' }], async (span) => {
      expect(span.isRecording()).toBe(false);
      return Promise.resolve(off.injectTraceContext({}));
    });
    expect(sent).toEqual({});
    const consumed = await off.consumeSpan(
      'herald.event-ingest',
      { topic: 't', partition: 0, offset: '1', key: null, headers: {} },
      async (span) => Promise.resolve(span.isRecording()),
    );
    expect(consumed).toBe(false);
    const next = jest.fn();
    off.httpServerTracing()({} as express.Request, {} as express.Response, next);
    expect(next).toHaveBeenCalledTimes(1);
  });
});

describe('tracing on', () => {
  /** Every span handed to the exporter, in order. */
  const { exporter, spans: handed } = recordingExporter();
  let tracing: Tracing;
  let server: Server;
  let baseUrl: string;
  /** The headers a Kafka message published inside the last request's handler carried. */
  let published: Record<string, string> = {};

  const exported = async (count: number, where: (span: Finished) => boolean) => {
    await tracing.flush();
    return waitFor(`${count} exported span(s)`, () => {
      const found = handed.map(finished).filter(where);
      return found.length >= count && found;
    });
  };

  beforeAll(async () => {
    tracing = startTracing({
      serviceName: 'herald-spec',
      url: 'http://127.0.0.1:4318/v1/traces',
      exporter,
    });

    const app = express();
    app.use(httpServerTracing());
    app.post('/v1/things/:id', express.json(), (request, response) => {
      // After the body parser read the stream: the request's span must still be the active one.
      void producerSpan('herald.events.inbound', [{ key: 'ten_1' }], async () => {
        published = injectTraceContext({ 'x-herald-source': 'api' });
        return Promise.resolve();
      }).then(() => response.status(202).json(request.body as unknown));
    });
    app.get('/v1/broken', (_request, response) => {
      response.status(503).end();
    });
    app.get(['/health/ready', '/metrics'], (_request, response) => {
      response.status(200).end();
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await tracing?.shutdown();
  });

  it('is started once per process', () => {
    expect(startTracing({ serviceName: 'other', url: 'http://127.0.0.1:1/v1/traces' })).toBe(
      tracing,
    );
  });

  it('registers the W3C trace-context propagator only', () => {
    expect(propagation.fields()).toEqual(['traceparent', 'tracestate']);
  });

  it('serves a request in a SERVER span named by its route, continuing the caller’s trace, parent of what the handler publishes', async () => {
    const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await fetch(
      `${baseUrl}/v1/things/evt_01jz8x7k2m3n4p5q6r7s8t9v0w?token=secret`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          traceparent: `00-${callerTrace}-00f067aa0ba902b7-01`,
        },
        // The body arrives after the headers, so the body parser resumes the handler chain from a
        // later socket event: the request's context must survive that.
        body: slowly(['{"hello":', '"world"}']),
        duplex: 'half',
      },
    );
    expect(response.status).toBe(202);

    const [serverSpan] = await exported(1, (span) => span.kind === 'server');
    expect(serverSpan).toMatchObject({
      traceId: callerTrace,
      parentSpanId: '00f067aa0ba902b7',
      name: 'POST /v1/things/:id',
      serviceName: 'herald-spec',
      status: { code: 'unset' },
    });
    expect(serverSpan.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/v1/things/:id',
      'url.path': '/v1/things/evt_01jz8x7k2m3n4p5q6r7s8t9v0w',
      'url.scheme': 'http',
      'http.response.status_code': 202,
    });
    expect(JSON.stringify(serverSpan.attributes)).not.toContain('secret');

    const [producer] = await exported(1, (span) => span.kind === 'producer');
    expect(producer).toMatchObject({
      traceId: callerTrace,
      parentSpanId: serverSpan.spanId,
      name: 'send herald.events.inbound',
      attributes: {
        'messaging.system': 'kafka',
        'messaging.system.name': 'kafka',
        'messaging.operation.type': 'send',
        'messaging.destination.name': 'herald.events.inbound',
        'messaging.batch.message_count': 1,
        'messaging.kafka.message.key': 'ten_1',
        'kafka.message.key': 'ten_1',
      },
    });
    // The message's header names the producer span: the consumer continues from it.
    expect(parentOf(published)).toEqual({ traceId: callerTrace, spanId: producer.spanId });
    expect(published['x-herald-source']).toBe('api');
  });

  it('leaves probes and metric scrapes untraced', async () => {
    expect((await fetch(`${baseUrl}/health/ready`)).status).toBe(200);
    expect((await fetch(`${baseUrl}/metrics`)).status).toBe(200);
    await clientSpan(
      'marker',
      () => ({}),
      () => Promise.resolve(),
    );
    await exported(1, (span) => span.name === 'marker');
    expect(handed.filter((span) => span.kind === SpanKind.SERVER).map((span) => span.name)).toEqual(
      ['POST /v1/things/:id'],
    );
  });

  it('marks a 5xx answer as an error and names an unmatched path by its method alone', async () => {
    expect((await fetch(`${baseUrl}/v1/broken`)).status).toBe(503);
    expect((await fetch(`${baseUrl}/v1/nothing/sub_01jz8x7k2m3n4p5q6r7s8t9v0w/12`)).status).toBe(
      404,
    );
    const spans = await exported(2, (span) => span.kind === 'server' && span.parentSpanId === null);
    const broken = spans.find((span) => span.name === 'GET /v1/broken');
    expect(broken?.status.code).toBe('error');
    expect(broken?.attributes).toMatchObject({
      'http.response.status_code': 503,
      'error.type': '503',
    });
    const unmatched = spans.find((span) => span.attributes['http.response.status_code'] === 404);
    expect(unmatched?.name).toBe('GET');
    expect(unmatched?.attributes['http.route']).toBeUndefined();
    expect(unmatched?.status.code).toBe('unset');
  });

  it('processes a message in a CONSUMER span whose parent is the producer span named in its headers', async () => {
    const headers = await producerSpan('herald.events.inbound', [{ key: 'a' }, { key: 'b' }], () =>
      Promise.resolve(injectTraceContext({ 'not-before': '1' })),
    );
    const sent = parentOf(headers);
    const result = await consumeSpan(
      'herald.event-ingest',
      { topic: 'herald.events.inbound', partition: 2, offset: '41', key: 'ten_1', headers },
      (span) =>
        // Work inside is the consumer span's child: a CLIENT call, and a re-publish (a retry).
        clientSpan(
          'POST',
          () => ({ 'http.request.method': 'POST' }),
          () => Promise.resolve(injectTraceContext(headers)),
        ).then((republished) => ({ republished, consumerSpanId: span.spanContext().spanId })),
    );

    const [consumer] = await exported(1, (span) => span.kind === 'consumer');
    expect(consumer).toMatchObject({
      traceId: sent.traceId,
      parentSpanId: sent.spanId,
      spanId: result.consumerSpanId,
      name: 'process herald.events.inbound',
      attributes: {
        'messaging.system': 'kafka',
        'messaging.system.name': 'kafka',
        'messaging.operation.type': 'process',
        'messaging.destination.name': 'herald.events.inbound',
        'messaging.consumer.group.name': 'herald.event-ingest',
        'messaging.destination.partition.id': '2',
        'messaging.kafka.offset': 41,
        'kafka.offset': 41,
        'messaging.kafka.message.key': 'ten_1',
        'kafka.message.key': 'ten_1',
      },
    });
    const [producer] = await exported(
      1,
      (span) => span.name === 'send herald.events.inbound' && span.spanId === sent.spanId,
    );
    expect(producer.attributes['messaging.batch.message_count']).toBe(2);
    // Two messages: no single key to name.
    expect(producer.attributes).not.toHaveProperty('messaging.kafka.message.key');

    const [client] = await exported(1, (span) => span.kind === 'client' && span.name === 'POST');
    expect(client.parentSpanId).toBe(consumer.spanId);
    // The re-published message names the current span, not the one it arrived with.
    expect(parentOf(result.republished)).toEqual({ traceId: sent.traceId, spanId: client.spanId });
    expect(result.republished['not-before']).toBe('1');
  });

  it('replaces a traceparent and drops a tracestate the headers held', async () => {
    const stale = {
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      tracestate: 'vendor=stale',
      'x-other': 'kept',
    };
    const injected = await clientSpan(
      'x',
      () => ({}),
      (span) => Promise.resolve({ headers: injectTraceContext(stale), span: span.spanContext() }),
    );
    expect(injected.headers).toEqual({
      traceparent: `00-${injected.span.traceId}-${injected.span.spanId}-01`,
      'x-other': 'kept',
    });
    // Outside any span, there is nothing to name: the stale context is still not passed on.
    expect(injectTraceContext(stale)).toEqual({ 'x-other': 'kept' });
  });

  it('records a failed handler as an error with its exception, and rethrows', async () => {
    await expect(
      consumeSpan(
        'herald.deliverer',
        { topic: 'herald.deliveries', partition: 0, offset: '7', key: null, headers: {} },
        () => Promise.reject(new TypeError('database went away')),
      ),
    ).rejects.toThrow('database went away');
    const [failed] = await exported(
      1,
      (span) => span.kind === 'consumer' && span.attributes['messaging.kafka.offset'] === 7,
    );
    // No traceparent in the headers: a root span of its own trace.
    expect(failed.parentSpanId).toBeNull();
    expect(failed.status).toEqual({ code: 'error', message: 'database went away' });
    expect(failed.attributes['error.type']).toBe('TypeError');
    expect(failed.events).toContain('exception');
    expect(failed.attributes).not.toHaveProperty('messaging.kafka.message.key');
  });

  it('exports what is still buffered on shutdown, then records nothing more', async () => {
    await clientSpan(
      'last call',
      () => ({}),
      () => Promise.resolve(),
    );
    await tracing.shutdown();
    expect(handed.map((span) => span.name)).toContain('last call');
    const count = handed.length;
    const after = await clientSpan(
      'after shutdown',
      () => ({}),
      (span) => Promise.resolve(span.isRecording()),
    );
    expect(after).toBe(false);
    expect(injectTraceContext({})).toEqual({});
    expect(handed).toHaveLength(count);
  });
});

describe('the span batch delay', () => {
  it('is OTEL_BSP_SCHEDULE_DELAY in milliseconds when set, else 500', () => {
    expect(scheduledDelay('2000')).toBe(2000);
    expect(scheduledDelay('0')).toBe(0);
    for (const unset of [undefined, '', ' ', 'soon', '-1']) expect(scheduledDelay(unset)).toBe(500);
  });
});
