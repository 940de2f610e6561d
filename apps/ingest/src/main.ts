import 'reflect-metadata';
import { loadConfig } from '@app/config';
import { Topics } from '@app/contracts';
import { createLogger, runMain, runService } from '@app/platform';
import { IngestEnvSchema } from './config';
import { IngestModule } from './ingest.module';

runMain('ingest', async () => {
  const config = loadConfig(IngestEnvSchema);
  const logger = createLogger('ingest', config.LOG_LEVEL);
  await runService({
    name: 'ingest',
    config,
    logger,
    module: IngestModule.register(config, logger),
    consumer: { groupId: 'ingest', topics: [Topics.conversationEvents.name], transactional: true },
  });
});
