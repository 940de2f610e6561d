import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { PlatformModule } from '@app/platform';
import type { IngestConfig } from './config';
import { DedupRetention } from './dedup/dedup-retention';
import { SeenEventsRepository } from './dedup/seen-events.repository';
import { EventsController } from './events/events.controller';
import { IngestService } from './events/ingest.service';
import { RawEventConsumer } from './events/raw-event.consumer';
import { CreateSeenEvents1764000000001 } from './migrations/1764000000001-create-seen-events';

@Module({})
export class IngestModule {
  static register(config: IngestConfig, logger: Logger): DynamicModule {
    return {
      module: IngestModule,
      imports: [
        PlatformModule.forRoot({
          service: 'ingest',
          config,
          logger,
          authentication: {},
          database: { schema: 'ingest', entities: [], migrations: [CreateSeenEvents1764000000001] },
        }),
      ],
      controllers: [EventsController, RawEventConsumer],
      providers: [IngestService, SeenEventsRepository, DedupRetention],
    };
  }
}
