import type { PendingDelivery } from '@app/contracts';
import type { ConsumedBatch, OutboundRecord } from '@app/kafka';
import { scheduleRecord, type DeliveryScheduler, type Step } from './delivery-scheduler';

/** What inline attempts need of the delivery schedule. */
export type InlineAttemptScheduler = Pick<
  DeliveryScheduler,
  'inlinePartitionOf' | 'takeSlot' | 'attemptNow' | 'inlineStep' | 'recordWhenCommitted'
>;

interface Candidate {
  pending: PendingDelivery;
  partition: number;
}

interface Started extends Candidate {
  attempt: Promise<Step | null>;
  /** Settles once the attempt is over and `step` is set. */
  over: Promise<void>;
  /** Set once the attempt is over. */
  step?: Step | null;
}

/**
 * First attempts made by a batch of triggers itself, before it commits, instead of through the
 * durable schedule: the common case — a delivery that succeeds at once — then commits its result
 * with the trigger's offsets, in the trigger's transaction, instead of a schedule record written,
 * read back and tombstoned in a second transaction, and reaches the receiver without a hop through
 * the schedule topic. The guarantees stay the schedule's:
 * - an attempt that finishes within `WEBHOOK_INLINE_WAIT_MS` commits its result (and, when it
 *   will be retried, its next state in the schedule) with the trigger's offsets; a crash before
 *   that commit redoes the batch and the attempt, with the same webhook-id (at-least-once);
 * - an attempt still in flight then is written to the schedule as due now, and recorded there
 *   once it is over and the batch committed; meanwhile it counts as running, and only this
 *   instance owns its schedule partition (DeliveryScheduler.inlinePartitionOf), so it is not
 *   started twice;
 * - a delivery that found no free slot of its endpoint in time goes to the schedule untouched,
 *   so per-endpoint concurrency limits and throttling hold, and a slow endpoint holds the batch
 *   back by at most the wait.
 */
export class InlineDeliveries {
  private readonly candidates: Candidate[] = [];

  constructor(
    private readonly scheduler: InlineAttemptScheduler,
    private readonly batch: ConsumedBatch,
    private readonly waitMs: number,
  ) {}

  /** Takes the delivery for an inline attempt (true), or leaves it to the caller to schedule (false). */
  offer(pending: PendingDelivery): boolean {
    if (this.waitMs === 0) return false;
    const partition = this.scheduler.inlinePartitionOf(pending);
    if (partition === null) return false;
    this.candidates.push({ pending, partition });
    return true;
  }

  /** Makes the attempts, waits for them at most `waitMs`, and returns the records the batch commits for them. */
  async settle(): Promise<OutboundRecord[]> {
    if (this.candidates.length === 0) return [];
    const deadline = Date.now() + this.waitMs;
    // The transport says whether the batch committed or was discarded, however long its commit
    // takes (pipelined commits wait out a Kafka outage): no time limit here, since taking a late
    // commit for a discard would drop a step while the batch's schedule record lands, and the
    // delivery would be made again.
    const committed = new Promise<boolean>((resolve) => {
      this.batch.afterCommit(() => resolve(true));
      this.batch.afterDiscard(() => resolve(false));
    });
    const started: Started[] = [];
    const unstarted: Candidate[] = [];
    // Endpoints are served side by side: a saturated one holds back only its own deliveries.
    await Promise.all(
      [...candidatesByEndpoint(this.candidates)].map(async ([endpoint, candidates]) => {
        for (const candidate of candidates) {
          const release = await this.scheduler.takeSlot(endpoint, deadline);
          if (!release) {
            unstarted.push(candidate);
            continue;
          }
          const attempt = this.scheduler.attemptNow(candidate.pending, release);
          const entry: Started = { ...candidate, attempt, over: attempt.then((step) => void (entry.step = step)) };
          started.push(entry);
        }
      }),
    );
    await raceUntil([Promise.all(started.map((entry) => entry.over))], deadline);

    const records = unstarted.map(({ pending }) => scheduleRecord(pending));
    for (const entry of started) {
      const { pending, partition, step } = entry;
      if (step) {
        const inline = this.scheduler.inlineStep(pending, partition, step);
        records.push(...inline.records);
        this.batch.afterCommit(inline.committed);
      } else {
        // Still in flight, or over without a step to record (cut short, or its definition not yet seen).
        records.push(scheduleRecord(pending));
        this.scheduler.recordWhenCommitted(pending, partition, entry.attempt, committed);
      }
    }
    return records;
  }
}

function candidatesByEndpoint(candidates: readonly Candidate[]): Map<string, Candidate[]> {
  const byEndpoint = new Map<string, Candidate[]>();
  for (const candidate of candidates) {
    const endpoint = candidate.pending.trigger.workflow.id;
    const list = byEndpoint.get(endpoint);
    if (list) list.push(candidate);
    else byEndpoint.set(endpoint, [candidate]);
  }
  return byEndpoint;
}

/** Waits for the first of `promises`, or until `deadline` (epoch ms), whichever comes first. */
async function raceUntil(promises: Promise<unknown>[], deadline: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now()))));
  try {
    await Promise.race([...promises, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
