import 'reflect-metadata';
import { Topics } from '@app/contracts';
import { runService } from '@app/platform';
import { TriggerMatcherEnvSchema } from './config';
import { TriggerMatcherModule } from './trigger-matcher.module';

runService({
  name: 'trigger-matcher',
  envSchema: TriggerMatcherEnvSchema,
  module: TriggerMatcherModule.register,
  consumer: { groupId: 'trigger-matcher', topics: [Topics.validatedEvents.name], transactional: true },
});
