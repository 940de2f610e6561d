import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { kafkaBrokers } from '@app/config';
import { Topics, workflowDefinitionValidator } from '@app/contracts';
import { KafkaModule, MaterializedViewModule } from '@app/kafka';
import { PlatformModule } from '@app/platform';
import type { ActionDispatcherConfig } from './config';
import { DispatchService, WORKFLOW_DEFINITIONS } from './execution/dispatch.service';
import { TriggerConsumer } from './execution/trigger.consumer';

@Module({})
export class ActionDispatcherModule {
  static register(config: ActionDispatcherConfig, logger: Logger): DynamicModule {
    return {
      module: ActionDispatcherModule,
      imports: [
        PlatformModule.forRoot({ config, logger }),
        KafkaModule.forRoot({ brokers: kafkaBrokers(config), clientId: 'action-dispatcher', logger }),
        MaterializedViewModule.register({
          provide: WORKFLOW_DEFINITIONS,
          name: 'workflow-definitions',
          topic: Topics.workflowDefinitions.name,
          validator: workflowDefinitionValidator,
          logger,
        }),
      ],
      controllers: [TriggerConsumer],
      providers: [DispatchService],
    };
  }
}
