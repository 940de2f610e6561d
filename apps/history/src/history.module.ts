import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { kafkaBrokers } from '@app/config';
import { DatabaseModule } from '@app/database';
import { KafkaModule } from '@app/kafka';
import { PlatformModule } from '@app/platform';
import type { HistoryConfig } from './config';
import { ExecutionEntity } from './executions/execution.entity';
import { ExecutionResultConsumer } from './executions/execution-result.consumer';
import { ExecutionsController } from './executions/executions.controller';
import { ExecutionsRepository } from './executions/executions.repository';
import { CreateExecutions1764000000002 } from './migrations/1764000000002-create-executions';

@Module({})
export class HistoryModule {
  static register(config: HistoryConfig, logger: Logger): DynamicModule {
    return {
      module: HistoryModule,
      imports: [
        PlatformModule.forRoot({ config, logger }),
        KafkaModule.forRoot({ brokers: kafkaBrokers(config), clientId: 'history', logger }),
        DatabaseModule.forRoot({
          url: config.DATABASE_URL,
          schema: 'history',
          entities: [ExecutionEntity],
          migrations: [CreateExecutions1764000000002],
          poolSize: config.DATABASE_POOL_SIZE,
        }),
      ],
      controllers: [ExecutionsController, ExecutionResultConsumer],
      providers: [ExecutionsRepository],
    };
  }
}
