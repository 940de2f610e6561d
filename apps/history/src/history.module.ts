import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { PlatformModule } from '@app/platform';
import type { HistoryConfig } from './config';
import { ExecutionEntity } from './executions/execution.entity';
import { ExecutionResultConsumer } from './executions/execution-result.consumer';
import { ExecutionsController } from './executions/executions.controller';
import { ExecutionsRepository } from './executions/executions.repository';
import { CreateExecutions1764000000002 } from './migrations/1764000000002-create-executions';
import { KeepReplayData1764000000003 } from './migrations/1764000000003-keep-replay-data';
import { ReplaysController } from './replays/replays.controller';
import { ReplaysService } from './replays/replays.service';

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
          database: {
            schema: 'history',
            entities: [ExecutionEntity],
            migrations: [CreateExecutions1764000000002, KeepReplayData1764000000003],
          },
        }),
      ],
      controllers: [ExecutionsController, ReplaysController, ExecutionResultConsumer],
      providers: [ExecutionsRepository, ReplaysService],
    };
  }
}
