import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { kafkaBrokers } from '@app/config';
import { DatabaseModule } from '@app/database';
import { KafkaModule } from '@app/kafka';
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
        PlatformModule.forRoot({ config, logger }),
        KafkaModule.forRoot({ brokers: kafkaBrokers(config), clientId: 'signal-aggregator', logger }),
        DatabaseModule.forRoot({
          url: config.DATABASE_URL,
          schema: 'signal_aggregator',
          entities: [],
          migrations: [CreateMinuteCounts1764000000003],
          poolSize: config.DATABASE_POOL_SIZE,
        }),
      ],
      controllers: [AggregatesConsumer, AggregatesController],
      providers: [MinuteCountsRepository],
    };
  }
}
