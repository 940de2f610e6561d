import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { Topics, endpointFailingValidator } from '@app/contracts';
import { MaterializedViewModule } from '@app/kafka';
import { PlatformModule } from '@app/platform';
import type { ActionDispatcherConfig } from './config';
import { ENDPOINT_FAILURES, DeliveryScheduler } from './delivery/delivery-scheduler';
import { DispatchService } from './execution/dispatch.service';
import { ReplayConsumer } from './execution/replay.consumer';
import { TriggerConsumer } from './execution/trigger.consumer';
import { TestDeliveryController } from './test-delivery/test-delivery.controller';
import { TestDeliveryService } from './test-delivery/test-delivery.service';

@Module({})
export class ActionDispatcherModule {
  static register(config: ActionDispatcherConfig, logger: Logger): DynamicModule {
    return {
      module: ActionDispatcherModule,
      imports: [
        PlatformModule.forRoot({
          service: 'action-dispatcher',
          config,
          logger,
          workflowDefinitions: true,
          disabledEndpoints: true,
          authentication: {},
        }),
        MaterializedViewModule.register({
          provide: ENDPOINT_FAILURES,
          name: 'endpoint-failures',
          topic: Topics.endpointFailures.name,
          validator: endpointFailingValidator,
          logger,
        }),
      ],
      controllers: [TriggerConsumer, ReplayConsumer, TestDeliveryController],
      providers: [DispatchService, DeliveryScheduler, TestDeliveryService],
    };
  }
}
