import { InvalidInputError, type ConversationEvent } from '@app/contracts';

/** How far after its arrival an event's `time` may lie: clocks drift, but not by a day. */
export const MAX_EVENT_TIME_AHEAD_MS = 24 * 60 * 60 * 1000;

/**
 * Refuses an event whose `time` lies more than a day after it arrived (`recordTimestamp`, epoch
 * ms: the Kafka record's timestamp, so that a batch processed again decides the same): trigger-matcher
 * counts waits and a conversation's expiry from event times, so an event from next year would
 * keep its conversation's state, and hold its no_reply timers back, until then.
 */
export function refuseEventFromTheFuture(event: ConversationEvent, recordTimestamp: number): void {
  // -1 (or none: a record of the oldest format) means the producer gave no timestamp: now, then.
  const arrivedAt = recordTimestamp > 0 ? recordTimestamp : Date.now();
  if (Date.parse(event.time) - arrivedAt <= MAX_EVENT_TIME_AHEAD_MS) return;
  const reason = `must not be more than 24 hours after the event arrived (${new Date(arrivedAt).toISOString()})`;
  throw new InvalidInputError('time_in_future', `/time ${reason}`, [{ field: '/time', reason }]);
}
