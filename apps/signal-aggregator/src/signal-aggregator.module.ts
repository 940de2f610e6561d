import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { PlatformModule } from '@app/platform';
import { AggregatesConsumer } from './aggregates/aggregates.consumer';
import { AggregatesController } from './aggregates/aggregates.controller';
import { MinuteCountsRepository } from './aggregates/minute-counts.repository';
import type { SignalAggregatorConfig } from './config';
import { CreateMinuteCounts1764000000003 } from './migrations/1764000000003-create-minute-counts';

@Module({})
export class SignalAggregatorModule {
  static register(config: SignalAggregatorConfig, logger: Logger): DynamicModule {
    return {
      module: SignalAggregatorModule,
      imports: [
        PlatformModule.forRoot({
          service: 'signal-aggregator',
          config,
          logger,
          authentication: {},
          database: { schema: 'signal_aggregator', entities: [], migrations: [CreateMinuteCounts1764000000003] },
        }),
      ],
      controllers: [AggregatesConsumer, AggregatesController],
      providers: [MinuteCountsRepository],
    };
  }
}
