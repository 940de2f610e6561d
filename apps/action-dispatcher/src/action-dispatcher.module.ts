import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { PlatformModule } from '@app/platform';
import type { ActionDispatcherConfig } from './config';
import { DispatchService } from './execution/dispatch.service';
import { TriggerConsumer } from './execution/trigger.consumer';

@Module({})
export class ActionDispatcherModule {
  static register(config: ActionDispatcherConfig, logger: Logger): DynamicModule {
    return {
      module: ActionDispatcherModule,
      imports: [PlatformModule.forRoot({ service: 'action-dispatcher', config, logger, workflowDefinitions: true })],
      controllers: [TriggerConsumer],
      providers: [DispatchService],
    };
  }
}
