import 'reflect-metadata';
import { Topics } from '@app/contracts';
import { runService } from '@app/platform';
import { IngestEnvSchema } from './config';
import { IngestModule } from './ingest.module';
import { INGEST_OPENAPI } from './openapi';

runService({
  name: 'ingest',
  envSchema: IngestEnvSchema,
  module: IngestModule.register,
  consumer: { groupId: 'ingest', topics: [Topics.conversationEvents.name], transactional: true },
  openApi: INGEST_OPENAPI,
});
