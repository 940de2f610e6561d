import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { Topics, endpointDisabledValidator, endpointFailingValidator } from '@app/contracts';
import { MaterializedViewModule } from '@app/kafka';
import { PlatformModule } from '@app/platform';
import type { ActionDispatcherConfig } from './config';
import { DISABLED_ENDPOINTS, ENDPOINT_FAILURES, DeliveryScheduler } from './delivery/delivery-scheduler';
import { DispatchService } from './execution/dispatch.service';
import { ReplayConsumer } from './execution/replay.consumer';
import { TriggerConsumer } from './execution/trigger.consumer';

@Module({})
export class ActionDispatcherModule {
  static register(config: ActionDispatcherConfig, logger: Logger): DynamicModule {
    return {
      module: ActionDispatcherModule,
      imports: [
        PlatformModule.forRoot({ service: 'action-dispatcher', config, logger, workflowDefinitions: true }),
        MaterializedViewModule.register({
          provide: DISABLED_ENDPOINTS,
          name: 'disabled-endpoints',
          topic: Topics.disabledEndpoints.name,
          validator: endpointDisabledValidator,
          logger,
          isNewer: (current, incoming) => incoming.workflowVersion >= current.workflowVersion,
        }),
        MaterializedViewModule.register({
          provide: ENDPOINT_FAILURES,
          name: 'endpoint-failures',
          topic: Topics.endpointFailures.name,
          validator: endpointFailingValidator,
          logger,
        }),
      ],
      controllers: [TriggerConsumer, ReplayConsumer],
      providers: [DispatchService, DeliveryScheduler],
    };
  }
}
