import 'reflect-metadata';
import { runService } from '@app/platform';
import { ApiEnvSchema } from './config';
import { ApiModule } from './api.module';
import { API_OPENAPI } from './openapi';

runService({
  name: 'api',
  envSchema: ApiEnvSchema,
  module: ApiModule.register,
  openApi: API_OPENAPI,
});
