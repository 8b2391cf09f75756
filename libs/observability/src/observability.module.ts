import { Global, Module, type DynamicModule } from '@nestjs/common';
import { HealthController } from './health.controller';
import { HeraldMetrics } from './metrics';
import { Readiness } from './readiness';

/** Metrics, readiness and the health endpoints of one service; every other module may use them. */
@Global()
@Module({})
export class ObservabilityModule {
  static forService(service: string): DynamicModule {
    return {
      module: ObservabilityModule,
      controllers: [HealthController],
      providers: [{ provide: HeraldMetrics, useValue: new HeraldMetrics(service) }, Readiness],
      exports: [HeraldMetrics, Readiness],
    };
  }
}
