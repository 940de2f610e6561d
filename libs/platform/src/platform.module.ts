import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { HealthModule } from '@app/health';
import { MetricsModule } from '@app/metrics';

export const APP_CONFIG = Symbol('APP_CONFIG');
export const APP_LOGGER = Symbol('APP_LOGGER');

/**
 * What every service shares: its validated config and logger (injectable as APP_CONFIG and
 * APP_LOGGER), `/health` and `/metrics`.
 */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(options: { config: object; logger: Logger }): DynamicModule {
    return {
      module: PlatformModule,
      imports: [HealthModule, MetricsModule],
      providers: [
        { provide: APP_CONFIG, useValue: options.config },
        { provide: APP_LOGGER, useValue: options.logger },
      ],
      exports: [APP_CONFIG, APP_LOGGER],
    };
  }
}
