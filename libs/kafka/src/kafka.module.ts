import { Global, Module, type DynamicModule, type OnApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import type { Kafka, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { ConsumerAssignment } from './co-partitioned-assigner';
import { createKafkaClient, createProducer } from './kafka-client';

export const KAFKA_CLIENT = Symbol('KAFKA_CLIENT');
export const KAFKA_PRODUCER = Symbol('KAFKA_PRODUCER');

@Injectable()
class ProducerLifecycle implements OnApplicationShutdown {
  constructor(@Inject(KAFKA_PRODUCER) private readonly producer: Producer) {}

  /** Flushes and closes the shared producer after the consumers have stopped. */
  async onApplicationShutdown(): Promise<void> {
    await this.producer.disconnect();
  }
}

/**
 * Provides the process's Kafka client (KAFKA_CLIENT) and a connected idempotent producer
 * (KAFKA_PRODUCER) for services that publish outside of a consumed batch, such as the api, and
 * the partitions the service's consumer owns (ConsumerAssignment).
 */
@Global()
@Module({})
export class KafkaModule {
  static forRoot(options: { brokers: string[]; clientId: string; logger: Logger }): DynamicModule {
    return {
      module: KafkaModule,
      providers: [
        { provide: KAFKA_CLIENT, useValue: createKafkaClient(options) },
        {
          provide: KAFKA_PRODUCER,
          inject: [KAFKA_CLIENT],
          useFactory: async (kafka: Kafka) => {
            const producer = createProducer(kafka);
            await producer.connect();
            return producer;
          },
        },
        ProducerLifecycle,
        ConsumerAssignment,
      ],
      exports: [KAFKA_CLIENT, KAFKA_PRODUCER, ConsumerAssignment],
    };
  }
}
