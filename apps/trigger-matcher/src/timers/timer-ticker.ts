import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Topics, type TimerTick } from '@app/contracts';
import {
  ConsumerAssignment,
  KAFKA_CLIENT,
  KAFKA_PRODUCER,
  jsonRecord,
  partitionOfKey,
  sendChunked,
  type Kafka,
  type Producer,
} from '@app/kafka';
import { timerTicksSent } from '@app/metrics';
import { APP_CONFIG, APP_LOGGER, WORKFLOW_DEFINITIONS, type WorkflowDefinitions } from '@app/platform';
import type { Logger } from 'pino';
import type { TriggerMatcherConfig } from '../config';
import { TimerSchedule } from './timer-schedule';

/** A tick not followed by a change of the conversation's state is sent again after this (it may have been lost). */
const RESEND_AFTER_MS = 10_000;

/**
 * Wakes up conversations whose timer is due: every `TIMER_TICK_INTERVAL_MS`, for the due
 * conversations of the partitions this instance owns, publishes a tick to
 * `trigger-matcher.timer-ticks` (same key, same partition as the conversation's events). The
 * decision is then made by the tick's consumer, in the usual transaction with the state; the
 * ticks themselves are at-least-once and carry no decision.
 */
@Injectable()
export class TimerTicker implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private partitionCount = 0;
  private definitionsSeen = -1;
  private sending = false;

  constructor(
    private readonly schedule: TimerSchedule,
    private readonly assignment: ConsumerAssignment,
    @Inject(WORKFLOW_DEFINITIONS) private readonly definitions: WorkflowDefinitions,
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    @Inject(KAFKA_PRODUCER) private readonly producer: Producer,
    @Inject(APP_CONFIG) private readonly config: TriggerMatcherConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.partitionCount = await this.assertCoPartitioned();
    this.timer = setInterval(() => void this.tick(), this.config.TIMER_TICK_INTERVAL_MS);
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      if (this.definitionsSeen !== this.definitions.changes) {
        this.definitionsSeen = this.definitions.changes;
        this.schedule.setWorkflows(this.definitions.values());
      }
      const owned = this.assignment.partitionsOf(Topics.timerTicks.name);
      if (owned.size === 0) return;
      const now = Date.now();
      const due = this.schedule.takeDue(
        now,
        ({ conversationId }) => owned.has(partitionOfKey(conversationId, this.partitionCount)),
        RESEND_AFTER_MS,
      );
      if (due.length === 0) return;
      const ticks = due.map((state) => {
        const tick: TimerTick = {
          tenantId: state.tenantId,
          conversationId: state.conversationId,
          dueAt: new Date(now).toISOString(),
        };
        return jsonRecord(Topics.timerTicks.name, state.conversationId, tick);
      });
      await sendChunked(this.producer, ticks);
      timerTicksSent.inc(ticks.length);
    } catch (error) {
      // The schedule resends after RESEND_AFTER_MS; nothing is lost.
      this.logger.warn({ err: error }, 'sending timer ticks failed');
    } finally {
      this.sending = false;
    }
  }

  /**
   * Ticks must land on the partition of the conversation's events, which the same member owns; so
   * must states, which that member holds (ConversationStateStore).
   */
  private async assertCoPartitioned(): Promise<number> {
    const topics = [Topics.validatedEvents.name, Topics.timerTicks.name, Topics.conversationState.name];
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const counts = await Promise.all(
        topics.map(async (topic) => ({ topic, partitions: (await admin.fetchTopicOffsets(topic)).length })),
      );
      if (new Set(counts.map(({ partitions }) => partitions)).size > 1) {
        const found = counts.map(({ topic, partitions }) => `${topic} ${partitions}`).join(', ');
        throw new Error(`these topics must be co-partitioned, with as many partitions each: ${found}`);
      }
      return counts[0]!.partitions;
    } finally {
      await admin.disconnect();
    }
  }
}
