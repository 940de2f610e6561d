import 'reflect-metadata';
import { loadConfig } from '@app/config';
import { Topics } from '@app/contracts';
import { createLogger, runMain, runService } from '@app/platform';
import { ActionDispatcherModule } from './action-dispatcher.module';
import { ActionDispatcherEnvSchema } from './config';

runMain('action-dispatcher', async () => {
  const config = loadConfig(ActionDispatcherEnvSchema);
  const logger = createLogger('action-dispatcher', config.LOG_LEVEL);
  await runService({
    name: 'action-dispatcher',
    config,
    logger,
    module: ActionDispatcherModule.register(config, logger),
    consumer: { groupId: 'action-dispatcher', topics: [Topics.workflowTriggers.name], transactional: true },
  });
});
