import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { IntentModelModule } from '@app/intent-model';
import { PlatformModule } from '@app/platform';
import { BacktestsController } from './backtests/backtests.controller';
import { BacktestsService } from './backtests/backtests.service';
import type { HistoryConfig } from './config';
import { HistoryRetention } from './history-retention';
import { HISTORY_SCHEMA } from './history-schema';
import { ConversationEventsRepository } from './conversations/conversation-events.repository';
import { ValidatedEventConsumer } from './conversations/validated-event.consumer';
import { ExecutionResultConsumer } from './executions/execution-result.consumer';
import { ExecutionsController } from './executions/executions.controller';
import { ExecutionsRepository } from './executions/executions.repository';
import { WorkflowAccess } from './executions/workflow-access';
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
          authentication: {},
          // Whose workflow an id is: another tenant's answers 404 (WorkflowAccess).
          workflowDefinitions: true,
          database: HISTORY_SCHEMA,
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
