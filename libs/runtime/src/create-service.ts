import { NestFactory } from '@nestjs/core';
import type { DynamicModule, INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { JsonLogger, loadConfig, type HeraldConfig } from '@herald/config';

/**
 * Creates one Herald service as a Nest application with JSON logs and shutdown hooks, and listens
 * on its HTTP port (the API, or health and metrics for the pipeline services).
 */
export async function createService(
  name: string,
  module: DynamicModule,
  config: HeraldConfig,
  /** Runs before the HTTP port opens, e.g. to attach the gRPC server. */
  setup?: (app: INestApplication) => Promise<void>,
): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(module, {
    logger: new JsonLogger(name, config.logLevel),
    abortOnError: false,
  });
  // Express's default JSON limit is 100 kB; events may be up to maxEventBytes. The slack lets
  // POST /v1/events itself answer a slightly oversized event, with its size, against the exact limit.
  app.useBodyParser('json', { limit: config.maxEventBytes + 16 * 1024 });
  app.enableShutdownHooks();
  await setup?.(app);
  await app.listen(config.httpPort, '0.0.0.0');
  return app;
}

/** A service's `main`: read and validate the environment, start, and exit with a clear message on failure. */
export function runService(
  name: string,
  moduleFor: (config: HeraldConfig) => DynamicModule,
  setup?: (app: INestApplication, config: HeraldConfig) => Promise<void>,
): void {
  const start = async (): Promise<void> => {
    const config = loadConfig();
    await createService(name, moduleFor(config), config, setup && ((app) => setup(app, config)));
  };
  start().catch((error: unknown) => {
    process.stderr.write(
      `${name} failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  });
}
