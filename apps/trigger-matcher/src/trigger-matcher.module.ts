import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { kafkaBrokers } from '@app/config';
import { Topics, workflowDefinitionValidator } from '@app/contracts';
import { KafkaModule, MaterializedViewModule } from '@app/kafka';
import { PlatformModule } from '@app/platform';
import type { TriggerMatcherConfig } from './config';
import { TriggerMatchingService, WORKFLOW_DEFINITIONS } from './matching/trigger-matching.service';
import { ValidatedEventConsumer } from './matching/validated-event.consumer';

@Module({})
export class TriggerMatcherModule {
  static register(config: TriggerMatcherConfig, logger: Logger): DynamicModule {
    return {
      module: TriggerMatcherModule,
      imports: [
        PlatformModule.forRoot({ config, logger }),
        KafkaModule.forRoot({ brokers: kafkaBrokers(config), clientId: 'trigger-matcher', logger }),
        MaterializedViewModule.register({
          provide: WORKFLOW_DEFINITIONS,
          name: 'workflow-definitions',
          topic: Topics.workflowDefinitions.name,
          validator: workflowDefinitionValidator,
          logger,
        }),
      ],
      controllers: [ValidatedEventConsumer],
      providers: [TriggerMatchingService],
    };
  }
}
