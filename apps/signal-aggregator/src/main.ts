import 'reflect-metadata';
import { Topics } from '@app/contracts';
import { runService } from '@app/platform';
import { SignalAggregatorEnvSchema, signalAggregatorConfigProblems } from './config';
import { SignalAggregatorModule } from './signal-aggregator.module';
import { SIGNAL_AGGREGATOR_OPENAPI } from './openapi';

runService({
  name: 'signal-aggregator',
  envSchema: SignalAggregatorEnvSchema,
  configProblems: signalAggregatorConfigProblems,
  module: SignalAggregatorModule.register,
  openApi: SIGNAL_AGGREGATOR_OPENAPI,
  // Counting is exactly-once in Postgres (record ids stored with the increments); offsets follow.
  consumer: {
    groupId: 'signal-aggregator',
    topics: [
      Topics.conversationSignals.name,
      Topics.validatedEvents.name,
      Topics.workflowTriggers.name,
      Topics.workflowExecutions.name,
    ],
    transactional: false,
  },
});
