import 'reflect-metadata';
import { runService } from '@app/platform';
import { ApiEnvSchema } from './config';
import { ApiModule } from './api.module';

runService({
  name: 'api',
  envSchema: ApiEnvSchema,
  module: ApiModule.register,
});
