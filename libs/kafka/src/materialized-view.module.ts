import {
  Inject,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
  type OnModuleInit,
  type Provider,
} from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { Validator } from '@app/contracts';
import { materializedViewEntries, viewChangeLag } from '@app/metrics';
import { ReadinessRegistry } from '@app/health';
import { CompactedTopicView } from './compacted-topic-view';
import { KAFKA_CLIENT } from './kafka.module';

export interface MaterializedViewOptions<T> {
  /** Injection token of the `CompactedTopicView<T>`. */
  provide: symbol;
  /** Name in metrics, readiness and consumer group ids. */
  name: string;
  topic: string;
  validator: Validator<T>;
  logger: Logger;
  isNewer?: (current: T, incoming: T) => boolean;
  isStale?: (current: T, headers: Readonly<Record<string, string>>) => boolean;
  /** Which partitions the view reads (CompactedTopicViewOptions.partitions). */
  partitions?: 'all' | 'on_request';
  /** The part of a key its records are partitioned by (CompactedTopicViewOptions.partitionKeyOf). */
  partitionKeyOf?: (key: string) => string;
  /** Called on every change of the view, from the topic or `set` (to keep an index or a schedule). */
  onChange?: (key: string, value: T | null) => void;
  /**
   * When a value was changed at its source (an ISO timestamp it carries): how long each change
   * took to reach this view is then observed in `aw_view_change_lag_seconds`.
   */
  changedAt?: (value: T) => string;
}

/**
 * Provides a `CompactedTopicView` of a compacted topic that has caught up before the service
 * starts consuming (Nest awaits `onModuleInit`), reports readiness and counts its entries.
 */
@Module({})
export class MaterializedViewModule {
  static register<T>(options: MaterializedViewOptions<T>): DynamicModule {
    const lifecycleToken = Symbol(`${options.name}-lifecycle`);
    const viewProvider: Provider = {
      provide: options.provide,
      inject: [KAFKA_CLIENT],
      useFactory: (kafka: Kafka) =>
        new CompactedTopicView<T>({
          kafka,
          topic: options.topic,
          validator: options.validator,
          name: options.name,
          logger: options.logger,
          isNewer: options.isNewer,
          isStale: options.isStale,
          partitions: options.partitions,
          partitionKeyOf: options.partitionKeyOf,
          onChange: (key, value) => {
            materializedViewEntries.set({ view: options.name }, view.size);
            // While catching up at start, the view reads changes made long ago: not a lag.
            if (value !== null && options.changedAt && view.isCaughtUp()) {
              const lagMs = Date.now() - Date.parse(options.changedAt(value));
              viewChangeLag.observe({ view: options.name }, Math.max(0, lagMs) / 1000);
            }
            options.onChange?.(key, value);
          },
        }),
    };
    // The view counts its own entries in onChange; it needs a reference to itself.
    let view: CompactedTopicView<T>;
    class ViewLifecycle implements OnModuleInit, OnApplicationShutdown {
      constructor(
        @Inject(options.provide) private readonly materialized: CompactedTopicView<T>,
        private readonly readiness: ReadinessRegistry,
      ) {
        view = materialized;
      }

      async onModuleInit(): Promise<void> {
        this.readiness.register({
          name: options.name,
          check: () =>
            this.materialized.isCaughtUp()
              ? { ready: true, detail: `${this.materialized.size} entries` }
              : { ready: false, detail: 'catching up' },
        });
        await this.materialized.start();
        materializedViewEntries.set({ view: options.name }, this.materialized.size);
      }

      async onApplicationShutdown(): Promise<void> {
        await this.materialized.stop();
      }
    }
    return {
      module: MaterializedViewModule,
      providers: [viewProvider, { provide: lifecycleToken, useClass: ViewLifecycle }],
      exports: [options.provide],
    };
  }
}
