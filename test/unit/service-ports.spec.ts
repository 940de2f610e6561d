import { loadConfig } from '@app/config';
import { SERVICES } from '@app/infra';
import { ActionDispatcherEnvSchema } from '../../apps/action-dispatcher/src/config';
import { ApiEnvSchema } from '../../apps/api/src/config';
import { HistoryEnvSchema } from '../../apps/history/src/config';
import { IngestEnvSchema } from '../../apps/ingest/src/config';
import { SignalAggregatorEnvSchema } from '../../apps/signal-aggregator/src/config';
import { TriggerMatcherEnvSchema } from '../../apps/trigger-matcher/src/config';

/** `npm start`, the tests and docker-compose use SERVICES; each app's own default must be the same port. */
describe('default HTTP ports', () => {
  it.each([
    ['api', ApiEnvSchema],
    ['ingest', IngestEnvSchema],
    ['trigger-matcher', TriggerMatcherEnvSchema],
    ['action-dispatcher', ActionDispatcherEnvSchema],
    ['signal-aggregator', SignalAggregatorEnvSchema],
    ['history', HistoryEnvSchema],
  ] as const)('%s defaults to its port in SERVICES', (name, schema) => {
    expect(loadConfig(schema, {}).HTTP_PORT).toBe(SERVICES[name]);
  });
});
