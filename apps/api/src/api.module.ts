import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { IntentModelModule } from '@app/intent-model';
import { PlatformModule } from '@app/platform';
import { ApiKeyEntity } from './api-keys/api-key.entity';
import { ApiKeysModule } from './api-keys/api-keys.module';
import type { ApiConfig } from './config';
import { CreateWorkflows1764000000000 } from './migrations/1764000000000-create-workflows';
import { AddFiringPolicy1764000000004 } from './migrations/1764000000004-add-firing-policy';
import { CreateWorkflowTests1764000000005 } from './migrations/1764000000005-create-workflow-tests';
import { AddPreviousSigningSecret1764000000010 } from './migrations/1764000000010-add-previous-signing-secret';
import { AllowDraftStatus1764100000000 } from './migrations/1764100000000-allow-draft-status';
import { CreateApiKeys1764300000000 } from './migrations/1764300000000-create-api-keys';
import { WorkflowEntity, WorkflowTestsEntity, WorkflowVersionEntity } from './workflows/workflow.entity';
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
          database: {
            schema: 'api',
            entities: [WorkflowEntity, WorkflowVersionEntity, WorkflowTestsEntity, ApiKeyEntity],
            migrations: [
              CreateWorkflows1764000000000,
              AddFiringPolicy1764000000004,
              CreateWorkflowTests1764000000005,
              AddPreviousSigningSecret1764000000010,
              AllowDraftStatus1764100000000,
              CreateApiKeys1764300000000,
            ],
          },
        }),
        IntentModelModule,
        PreviewModule,
        WorkflowsModule,
        ApiKeysModule,
      ],
    };
  }
}
