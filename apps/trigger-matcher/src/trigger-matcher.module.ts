import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { Topics, contactMemoryRecordValidator, conversationStateValidator } from '@app/contracts';
import { isNewerMemoryRecord } from '@app/domain';
import { IntentModelModule } from '@app/intent-model';
import { MaterializedViewModule } from '@app/kafka';
import { PlatformModule } from '@app/platform';
import type { TriggerMatcherConfig } from './config';
import {
  CONTACT_MEMORY,
  ContactMemoryIndex,
  ContactMemoryStore,
  isStaleMemoryRecord,
} from './contacts/contact-memory.store';
import { ContactsController } from './contacts/contacts.controller';
import { decisionProviderProvider } from './decision/decision-provider.provider';
import { TriggerMatchingService } from './matching/trigger-matching.service';
import { ValidatedEventConsumer } from './matching/validated-event.consumer';
import {
  CONVERSATION_STATES,
  ConversationStateStore,
  conversationIdOfStateKey,
  isNewerState,
  isStaleState,
} from './state/conversation-state.store';
import { EventsWatermark } from './timers/events-watermark';
import { TimerSchedule } from './timers/timer-schedule';
import { TimerTickConsumer } from './timers/timer-tick.consumer';
import { TimerTicker } from './timers/timer-ticker';

@Module({})
export class TriggerMatcherModule {
  static register(config: TriggerMatcherConfig, logger: Logger): DynamicModule {
    // Both follow their view's every change, so they are built here and handed to the views.
    const schedule = new TimerSchedule({
      idleSeconds: config.CONVERSATION_STATE_IDLE_TTL_SECONDS,
      endedSeconds: config.ENDED_CONVERSATION_STATE_TTL_SECONDS,
    });
    const contactIndex = new ContactMemoryIndex();
    return {
      module: TriggerMatcherModule,
      imports: [
        PlatformModule.forRoot({
          service: 'trigger-matcher',
          config,
          logger,
          workflowDefinitions: true,
          authentication: {},
        }),
        IntentModelModule,
        MaterializedViewModule.register({
          provide: CONVERSATION_STATES,
          name: 'conversation-states',
          topic: Topics.conversationState.name,
          validator: conversationStateValidator,
          isNewer: isNewerState,
          isStale: isStaleState,
          partitions: config.CONVERSATION_STATE_STANDBY === 'all' ? 'all' : 'on_request',
          partitionKeyOf: conversationIdOfStateKey,
          onChange: (key, state) => schedule.onStateChange(key, state),
          logger,
        }),
        MaterializedViewModule.register({
          provide: CONTACT_MEMORY,
          name: 'contact-memory',
          topic: Topics.contactMemory.name,
          validator: contactMemoryRecordValidator,
          isNewer: isNewerMemoryRecord,
          isStale: isStaleMemoryRecord,
          onChange: (key, record) => contactIndex.onChange(key, record),
          logger,
        }),
      ],
      controllers: [ValidatedEventConsumer, TimerTickConsumer, ContactsController],
      providers: [
        TriggerMatchingService,
        ConversationStateStore,
        ContactMemoryStore,
        TimerTicker,
        EventsWatermark,
        { provide: TimerSchedule, useValue: schedule },
        { provide: ContactMemoryIndex, useValue: contactIndex },
        decisionProviderProvider,
      ],
    };
  }
}
