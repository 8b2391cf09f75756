import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { LogLevel } from '@herald/config';
import { HealthController } from './health.controller';
import { JsonLogger } from './logger';
import { HeraldMetrics } from './metrics';
import { Readiness } from './readiness';

/**
 * Metrics, readiness, the health endpoints and the logger of one service (its lines carry the
 * service's name, at its level); every other module may use them.
 */
@Global()
@Module({})
export class ObservabilityModule {
  static forService(service: string, logLevel: LogLevel = 'info'): DynamicModule {
    return {
      module: ObservabilityModule,
      controllers: [HealthController],
      providers: [
        { provide: HeraldMetrics, useValue: new HeraldMetrics(service) },
        { provide: JsonLogger, useValue: new JsonLogger(service, logLevel) },
        Readiness,
      ],
      exports: [HeraldMetrics, Readiness, JsonLogger],
    };
  }
}
