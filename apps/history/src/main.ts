import 'reflect-metadata';
import { loadConfig } from '@app/config';
import { Topics } from '@app/contracts';
import { createLogger, runMain, runService } from '@app/platform';
import { HistoryEnvSchema } from './config';
import { HistoryModule } from './history.module';

runMain('history', async () => {
  const config = loadConfig(HistoryEnvSchema);
  const logger = createLogger('history', config.LOG_LEVEL);
  await runService({
    name: 'history',
    config,
    logger,
    module: HistoryModule.register(config, logger),
    // Effects land in Postgres idempotently; offsets commit after the rows are written.
    consumer: { groupId: 'history', topics: [Topics.workflowExecutions.name], transactional: false },
  });
});
