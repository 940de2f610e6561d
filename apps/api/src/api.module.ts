import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { IntentModelModule } from '@app/intent-model';
import { PlatformModule } from '@app/platform';
import { API_SCHEMA } from './api-schema';
import { ApiKeysModule } from './api-keys/api-keys.module';
import type { ApiConfig } from './config';
import { PreviewModule } from './preview/preview.module';
import { WorkflowsModule } from './workflows/workflows.module';

/** The control plane: workflows and tenants' API keys over HTTP, published to the data plane through Kafka. */
@Module({})
export class ApiModule {
  static register(config: ApiConfig, logger: Logger): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        PlatformModule.forRoot({
          service: 'api',
          config,
          logger,
          authentication: { operatorToken: config.ADMIN_API_TOKEN },
          // GET /v1/workflows shows an endpoint the dispatcher disabled.
          disabledEndpoints: true,
          database: API_SCHEMA,
        }),
        IntentModelModule,
        PreviewModule,
        WorkflowsModule,
        ApiKeysModule,
      ],
    };
  }
}
