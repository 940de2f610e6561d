import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { PlatformModule } from '@app/platform';
import type { TriggerMatcherConfig } from './config';
import { TriggerMatchingService } from './matching/trigger-matching.service';
import { ValidatedEventConsumer } from './matching/validated-event.consumer';

@Module({})
export class TriggerMatcherModule {
  static register(config: TriggerMatcherConfig, logger: Logger): DynamicModule {
    return {
      module: TriggerMatcherModule,
      imports: [PlatformModule.forRoot({ service: 'trigger-matcher', config, logger, workflowDefinitions: true })],
      controllers: [ValidatedEventConsumer],
      providers: [TriggerMatchingService],
    };
  }
}
