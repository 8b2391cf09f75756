import { Global, Module, type DynamicModule } from '@nestjs/common';
import { loadConfig } from './herald-config';

export const HERALD_CONFIG = Symbol('HERALD_CONFIG');

@Global()
@Module({})
export class ConfigModule {
  /**
   * Provides the config under HERALD_CONFIG. A service module passes its own `ConfigOf<...>` type
   * (the areas it and the libs it imports read); tests pass a config object; else the environment.
   */
  static forRoot(config: object = loadConfig()): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: HERALD_CONFIG, useValue: config }],
      exports: [HERALD_CONFIG],
    };
  }
}
