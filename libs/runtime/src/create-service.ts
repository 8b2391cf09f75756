import { NestFactory } from '@nestjs/core';
import type { DynamicModule, INestApplication } from '@nestjs/common';
import { JsonLogger, loadConfig, type HeraldConfig } from '@herald/config';

/**
 * Creates one Herald service as a Nest application with JSON logs and shutdown hooks, and listens
 * on its HTTP port (the API, or health and metrics for the pipeline services).
 */
export async function createService(
  name: string,
  module: DynamicModule,
  config: HeraldConfig,
): Promise<INestApplication> {
  const app = await NestFactory.create(module, {
    logger: new JsonLogger(name, config.logLevel),
    abortOnError: false,
  });
  app.enableShutdownHooks();
  await app.listen(config.httpPort, '0.0.0.0');
  return app;
}

/** A service's `main`: read and validate the environment, start, and exit with a clear message on failure. */
export function runService(name: string, moduleFor: (config: HeraldConfig) => DynamicModule): void {
  const start = async (): Promise<void> => {
    const config = loadConfig();
    await createService(name, moduleFor(config), config);
  };
  start().catch((error: unknown) => {
    process.stderr.write(
      `${name} failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  });
}
