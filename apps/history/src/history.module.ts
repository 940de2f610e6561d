import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
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
        PlatformModule.forRoot({
          service: 'history',
          config,
          logger,
          database: { schema: 'history', entities: [ExecutionEntity], migrations: [CreateExecutions1764000000002] },
        }),
      ],
      controllers: [ExecutionsController, ExecutionResultConsumer],
      providers: [ExecutionsRepository],
    };
  }
}
