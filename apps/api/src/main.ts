import 'reflect-metadata';
import { loadConfig } from '@app/config';
import { createLogger, runMain, runService } from '@app/platform';
import { ApiModule } from './api.module';
import { ApiEnvSchema } from './config';

runMain('api', async () => {
  const config = loadConfig(ApiEnvSchema);
  const logger = createLogger('api', config.LOG_LEVEL);
  await runService({ name: 'api', config, logger, module: ApiModule.register(config, logger) });
});
