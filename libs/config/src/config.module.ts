import { Global, Module, type DynamicModule } from '@nestjs/common';
import { loadConfig, type HeraldConfig } from './herald-config';

export const HERALD_CONFIG = Symbol('HERALD_CONFIG');

@Global()
@Module({})
export class ConfigModule {
  /** Tests pass a config object; services read the environment. */
  static forRoot(config: HeraldConfig = loadConfig()): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: HERALD_CONFIG, useValue: config }],
      exports: [HERALD_CONFIG],
    };
  }
}
