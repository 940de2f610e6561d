import 'reflect-metadata';
import { Topics } from '@app/contracts';
import { runService } from '@app/platform';
import { ActionDispatcherEnvSchema } from './config';
import { ActionDispatcherModule } from './action-dispatcher.module';
import { ACTION_DISPATCHER_OPENAPI } from './openapi';

runService({
  name: 'action-dispatcher',
  envSchema: ActionDispatcherEnvSchema,
  module: ActionDispatcherModule.register,
  openApi: ACTION_DISPATCHER_OPENAPI,
  consumer: {
    groupId: 'action-dispatcher',
    topics: [Topics.workflowTriggers.name, Topics.replayRequests.name],
    transactional: true,
    // A trigger's webhook leaves as soon as its batch is processed, not after the batches before it committed.
    pipelineCommits: true,
  },
});
