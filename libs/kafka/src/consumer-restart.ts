import { ExponentialBackoff, halfJitterGenerator, type IBackoff } from 'cockatiel';
import type { Consumer } from 'kafkajs';
import type { Logger } from 'pino';

export interface ConsumerRestartOptions {
  /** Names the consumer in logs. */
  name: string;
  /** `consumer.run(...)` with the consumer's own options; its subscriptions are kept across a crash. */
  run: () => Promise<void>;
  logger: Logger;
  /** False when the consumer stopped on purpose (its member was fenced, say); true by default. */
  restartable?: () => boolean;
}

/**
 * kafkajs restarts a crashed consumer only when the error is retriable. A broker restart can end
 * one with an error that is not: `KafkaJSGroupCoordinatorNotFound` while the group's coordinator
 * moves (kafkajs issues #1445 and #1630, open). The consumer then stays stopped for good while the
 * process lives on, unready, and nothing restarts it. This restarts such a consumer the way
 * kafkajs restarts the others (connect, run again with the same subscriptions), backing off from
 * about 1 s to 30 s until it has joined its group again. Returns the function that stops it (shutdown).
 */
export function restartWhenCrashed(consumer: Consumer, options: ConsumerRestartOptions): () => void {
  // Each wait between half and all of 1 s, 2 s, 4 s… 30 s, so that the instances of a service do not all restart at once.
  const backoffs = new ExponentialBackoff({
    generator: halfJitterGenerator,
    initialDelay: 1_000,
    maxDelay: 30_000,
  });
  let backoff: IBackoff<unknown> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const schedule = (cause: unknown) => {
    if (stopped) return;
    backoff = backoff ? backoff.next(undefined) : backoffs.next();
    options.logger.error(
      { err: cause, consumer: options.name, restartInMs: Math.round(backoff.duration) },
      'the Kafka consumer stopped on an error kafkajs does not restart from; restarting it',
    );
    clearTimeout(timer);
    timer = setTimeout(() => void restart(), backoff.duration);
  };
  const restart = async () => {
    if (stopped) return;
    try {
      await consumer.connect();
      // A failure from here on (no coordinator yet, say) is another crash event, not a rejection.
      await options.run();
    } catch (error) {
      schedule(error);
    }
  };

  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart && (options.restartable?.() ?? true)) schedule(payload.error);
  });
  consumer.on(consumer.events.GROUP_JOIN, () => {
    backoff = undefined;
  });
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
