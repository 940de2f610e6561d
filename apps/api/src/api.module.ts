import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { kafkaBrokers } from '@app/config';
import { DatabaseModule } from '@app/database';
import { KafkaModule } from '@app/kafka';
import { PlatformModule } from '@app/platform';
import type { ApiConfig } from './config';
import { CreateWorkflows1764000000000 } from './migrations/1764000000000-create-workflows';
import { WorkflowEntity, WorkflowVersionEntity } from './workflows/workflow.entity';
import { WorkflowsModule } from './workflows/workflows.module';

/** The control plane: workflow management over HTTP, published to the data plane through Kafka. */
@Module({})
export class ApiModule {
  static register(config: ApiConfig, logger: Logger): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        PlatformModule.forRoot({ config, logger }),
        KafkaModule.forRoot({ brokers: kafkaBrokers(config), clientId: 'api', logger }),
        DatabaseModule.forRoot({
          url: config.DATABASE_URL,
          schema: 'api',
          entities: [WorkflowEntity, WorkflowVersionEntity],
          migrations: [CreateWorkflows1764000000000],
          poolSize: config.DATABASE_POOL_SIZE,
        }),
        WorkflowsModule,
      ],
    };
  }
}
