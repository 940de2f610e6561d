import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { Topics, conversationStateValidator } from '@app/contracts';
import { IntentModelModule } from '@app/intent-model';
import { MaterializedViewModule } from '@app/kafka';
import { PlatformModule } from '@app/platform';
import type { TriggerMatcherConfig } from './config';
import { decisionProviderProvider } from './decision/decision-provider.provider';
import { TriggerMatchingService } from './matching/trigger-matching.service';
import { ValidatedEventConsumer } from './matching/validated-event.consumer';
import { CONVERSATION_STATES, ConversationStateStore, isNewerState } from './state/conversation-state.store';

@Module({})
export class TriggerMatcherModule {
  static register(config: TriggerMatcherConfig, logger: Logger): DynamicModule {
    return {
      module: TriggerMatcherModule,
      imports: [
        PlatformModule.forRoot({ service: 'trigger-matcher', config, logger, workflowDefinitions: true }),
        IntentModelModule,
        MaterializedViewModule.register({
          provide: CONVERSATION_STATES,
          name: 'conversation-states',
          topic: Topics.conversationState.name,
          validator: conversationStateValidator,
          isNewer: isNewerState,
          logger,
        }),
      ],
      controllers: [ValidatedEventConsumer],
      providers: [TriggerMatchingService, ConversationStateStore, decisionProviderProvider],
    };
  }
}
