import 'reflect-metadata';
import { loadConfig } from '@app/config';
import { Topics } from '@app/contracts';
import { createLogger, runMain, runService } from '@app/platform';
import { TriggerMatcherEnvSchema } from './config';
import { TriggerMatcherModule } from './trigger-matcher.module';

runMain('trigger-matcher', async () => {
  const config = loadConfig(TriggerMatcherEnvSchema);
  const logger = createLogger('trigger-matcher', config.LOG_LEVEL);
  await runService({
    name: 'trigger-matcher',
    config,
    logger,
    module: TriggerMatcherModule.register(config, logger),
    consumer: { groupId: 'trigger-matcher', topics: [Topics.validatedEvents.name], transactional: true },
  });
});
