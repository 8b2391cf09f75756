import { isUtf8 } from 'node:buffer';
import { NestFactory } from '@nestjs/core';
import {
  Inject,
  Injectable,
  Module,
  Optional,
  type DynamicModule,
  type INestApplication,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { loadConfig, type ConfigOf, type HeraldConfig } from '@herald/config';
import {
  httpServerTracing,
  ObservabilityModule,
  startTracing,
  JsonLogger,
} from '@herald/observability';
import { tuneHeapGrowth } from './heap-growth';
import { httpMetrics } from './http-metrics';
import { ManagementServer } from './management-server';

type Tracing = ReturnType<typeof startTracing>;

/**
 * Decoding would quietly turn bytes that are not UTF-8 into U+FFFD, so what was sent would not be
 * what Herald keeps: such a body is refused (400) before it is parsed.
 */
function refuseBadUtf8(
  _request: unknown,
  _response: unknown,
  body: Buffer,
  encoding: string,
): void {
  if (/^utf-?8$/i.test(encoding) && !isUtf8(body)) {
    throw Object.assign(new Error('request body is not valid UTF-8'), {
      status: 400,
      type: 'entity.verify.failed',
    });
  }
}
const TRACING = Symbol('TRACING');

/** Sends the spans still buffered when the service shuts down (SIGTERM included). */
@Injectable()
class TracingFlush implements OnApplicationShutdown {
  constructor(@Optional() @Inject(TRACING) private readonly tracing: Tracing | undefined) {}

  async onApplicationShutdown(): Promise<void> {
    await this.tracing?.shutdown();
  }
}

/**
 * What the runtime reads of every service's config: its ports, logging and tracing, and the JSON body
 * limit (events may be up to `ingest.maxEventBytes`). A service's own config type includes these.
 */
export type RuntimeConfig = ConfigOf<'server' | 'telemetry' | 'ingest'>;

/** The application root: the service's own module beside its metrics, readiness and health. */
@Module({})
class ServiceRoot {}

/**
 * Creates one Herald service as a Nest application with JSON logs, metrics, traces and shutdown
 * hooks, and listens on its HTTP port (the API, or health and metrics for the pipeline services).
 */
export async function createService(
  name: string,
  module: DynamicModule,
  config: RuntimeConfig,
  /** Runs before the HTTP port opens, e.g. to attach the gRPC server. */
  setup?: (app: INestApplication) => Promise<void>,
  /** The process's tracing, flushed when this service shuts down (`runService` starts it). */
  tracing?: Tracing,
): Promise<INestApplication> {
  const root: DynamicModule = {
    module: ServiceRoot,
    imports: [ObservabilityModule.forService(name, config.telemetry.logLevel), module],
    providers: [
      ManagementServer,
      TracingFlush,
      ...(tracing ? [{ provide: TRACING, useValue: tracing }] : []),
    ],
  };
  const app = await NestFactory.create<NestExpressApplication>(root, {
    logger: new JsonLogger(name, config.telemetry.logLevel),
    abortOnError: false,
  });
  app.use(httpServerTracing());
  app.use(httpMetrics(app));
  // Express's default JSON limit is 100 kB; events may be up to maxEventBytes. The slack lets
  // POST /v1/events itself answer a slightly oversized event, with its size, against the exact limit.
  app.useBodyParser('json', {
    limit: config.ingest.maxEventBytes + 16 * 1024,
    verify: refuseBadUtf8,
  });
  app.enableShutdownHooks();
  await setup?.(app);
  await app.listen(config.server.httpPort, '0.0.0.0');
  return app;
}

/**
 * A service's `main`: set the heap's growth (`tuneHeapGrowth`), read and validate the environment,
 * start tracing (one process is one service), start, and exit with a clear message on failure.
 */
export function runService(
  name: string,
  moduleFor: (config: HeraldConfig) => DynamicModule,
  setup?: (app: INestApplication, config: HeraldConfig) => Promise<void>,
): void {
  const start = async (): Promise<void> => {
    tuneHeapGrowth();
    const config = loadConfig();
    const tracing = startTracing({
      serviceName: config.telemetry.otel.serviceName ?? `herald-${name}`,
      url: config.telemetry.otel.tracesUrl,
      protocol: config.telemetry.otel.protocol,
    });
    await createService(
      name,
      moduleFor(config),
      config,
      setup && ((app) => setup(app, config)),
      tracing,
    );
  };
  start().catch((error: unknown) => {
    process.stderr.write(
      `${name} failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  });
}
