import 'reflect-metadata';
import { Topics } from '@app/contracts';
import { runService } from '@app/platform';
import { HistoryEnvSchema } from './config';
import { HistoryModule } from './history.module';
import { HISTORY_OPENAPI } from './openapi';

runService({
  name: 'history',
  envSchema: HistoryEnvSchema,
  module: HistoryModule.register,
  openApi: HISTORY_OPENAPI,
  // Effects land in Postgres idempotently; offsets commit after the rows are written.
  consumer: {
    groupId: 'history',
    topics: [Topics.workflowExecutions.name, Topics.validatedEvents.name],
    transactional: false,
  },
});
