import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { IntentModelModule } from '@app/intent-model';
import { PlatformModule } from '@app/platform';
import { BacktestsController } from './backtests/backtests.controller';
import { BacktestsService } from './backtests/backtests.service';
import type { HistoryConfig } from './config';
import { HistoryRetention } from './history-retention';
import { ConversationEventEntity } from './conversations/conversation-event.entity';
import { ConversationEventsRepository } from './conversations/conversation-events.repository';
import { ValidatedEventConsumer } from './conversations/validated-event.consumer';
import { ExecutionEntity } from './executions/execution.entity';
import { ExecutionResultConsumer } from './executions/execution-result.consumer';
import { ExecutionsController } from './executions/executions.controller';
import { ExecutionsRepository } from './executions/executions.repository';
import { WorkflowAccess } from './executions/workflow-access';
import { CreateExecutions1764000000002 } from './migrations/1764000000002-create-executions';
import { KeepReplayData1764000000003 } from './migrations/1764000000003-keep-replay-data';
import { ReplaysController } from './replays/replays.controller';
import { ReplaysService } from './replays/replays.service';
import { CreateConversationEvents1764200000000 } from './migrations/1764200000000-create-conversation-events';
import { IndexExecutionLog1764300000000 } from './migrations/1764300000000-index-execution-log';

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
          authentication: {},
          // Whose workflow an id is: another tenant's answers 404 (WorkflowAccess).
          workflowDefinitions: true,
          database: {
            schema: 'history',
            entities: [ExecutionEntity, ConversationEventEntity],
            migrations: [
              CreateExecutions1764000000002,
              KeepReplayData1764000000003,
              CreateConversationEvents1764200000000,
              IndexExecutionLog1764300000000,
            ],
          },
        }),
        IntentModelModule,
      ],
      controllers: [
        ExecutionsController,
        ReplaysController,
        ExecutionResultConsumer,
        ValidatedEventConsumer,
        BacktestsController,
      ],
      providers: [
        ExecutionsRepository,
        WorkflowAccess,
        ReplaysService,
        ConversationEventsRepository,
        HistoryRetention,
        BacktestsService,
      ],
    };
  }
}
