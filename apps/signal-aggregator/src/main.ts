import 'reflect-metadata';
import { loadConfig } from '@app/config';
import { Topics } from '@app/contracts';
import { createLogger, runMain, runService } from '@app/platform';
import { SignalAggregatorEnvSchema } from './config';
import { SignalAggregatorModule } from './signal-aggregator.module';

runMain('signal-aggregator', async () => {
  const config = loadConfig(SignalAggregatorEnvSchema);
  const logger = createLogger('signal-aggregator', config.LOG_LEVEL);
  await runService({
    name: 'signal-aggregator',
    config,
    logger,
    module: SignalAggregatorModule.register(config, logger),
    // Counting is exactly-once in Postgres (record ids stored with the increment); offsets follow.
    consumer: {
      groupId: 'signal-aggregator',
      topics: [Topics.conversationSignals.name, Topics.workflowExecutions.name],
      transactional: false,
    },
  });
});
