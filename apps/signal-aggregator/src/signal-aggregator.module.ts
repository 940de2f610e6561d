import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { PlatformModule } from '@app/platform';
import { AggregatesConsumer } from './aggregates/aggregates.consumer';
import { AggregatesController } from './aggregates/aggregates.controller';
import { AggregatesRetention } from './aggregates/aggregates-retention';
import { WindowCountsRepository } from './aggregates/window-counts.repository';
import { AnalyticsController } from './analytics/analytics.controller';
import { AnalyticsService } from './analytics/analytics.service';
import type { SignalAggregatorConfig } from './config';
import { CreateMinuteCounts1764000000003 } from './migrations/1764000000003-create-minute-counts';
import { CreateWindowCounts1764300000001 } from './migrations/1764300000001-create-window-counts';
import { CreatePreviewConversations1765100000000 } from './migrations/1765100000000-create-preview-conversations';

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
          database: {
            schema: 'signal_aggregator',
            entities: [],
            migrations: [
              CreateMinuteCounts1764000000003,
              CreateWindowCounts1764300000001,
              CreatePreviewConversations1765100000000,
            ],
          },
        }),
      ],
      controllers: [AggregatesConsumer, AggregatesController, AnalyticsController],
      providers: [WindowCountsRepository, AnalyticsService, AggregatesRetention],
    };
  }
}
