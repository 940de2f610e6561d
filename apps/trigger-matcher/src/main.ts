import 'reflect-metadata';
import { Topics } from '@app/contracts';
import { runService } from '@app/platform';
import { TriggerMatcherEnvSchema } from './config';
import { TRIGGER_MATCHER_OPENAPI } from './openapi';
import { TRIGGER_MATCHER_GROUP } from './timers/events-watermark';
import { TriggerMatcherModule } from './trigger-matcher.module';

runService({
  name: 'trigger-matcher',
  envSchema: TriggerMatcherEnvSchema,
  module: TriggerMatcherModule.register,
  openApi: TRIGGER_MATCHER_OPENAPI,
  // Ticks are co-partitioned with the events: one member owns all of a conversation's records and its state.
  consumer: {
    groupId: TRIGGER_MATCHER_GROUP,
    topics: [Topics.validatedEvents.name, Topics.timerTicks.name],
    transactional: true,
    coPartitioned: true,
  },
});
