import { createHash } from 'node:crypto';
import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import {
  InvalidInputError,
  Topics,
  isFinalExecutionStatus,
  parseJson,
  pendingDeliveryValidator,
  type ConversationAction,
  type EndpointDisabled,
  type EndpointFailing,
  type PendingDelivery,
  type WorkflowDefinition,
  type WorkflowExecuted,
  type WorkflowNotification,
} from '@app/contracts';
import {
  RetrySchedule,
  afterAttempt,
  deterministicId,
  continuedStreak,
  endpointHealthAfter,
  endpointUrlOf,
  executionResultOf,
  judgeAttempt,
  originOf,
  planAction,
  replyInstruction,
  runsOn,
  type AfterAttempt,
  type DeliveryVerdict,
} from '@app/domain';
import { ReadinessRegistry } from '@app/health';
import type { GuardedHttpClient } from '@app/http';
import {
  KAFKA_CLIENT,
  PARTITION_KEY_HEADER,
  TransactionalProducer,
  countProduced,
  isFencing,
  jsonRecord,
  partitionOfKey,
  restartWhenCrashed,
  sendChunked,
  type CompactedTopicView,
  type OutboundRecord,
} from '@app/kafka';
import {
  actionDeliveryDuration,
  deliveryRetriesScheduled,
  endpointsDisabled,
  pendingDeliveries,
  recordExecutionFinished,
} from '@app/metrics';
import {
  APP_CONFIG,
  APP_LOGGER,
  DISABLED_ENDPOINTS,
  WORKFLOW_DEFINITIONS,
  type DisabledEndpoints,
  type WorkflowDefinitions,
} from '@app/platform';
import type { ActionDispatcherConfig } from '../config';
import { EndpointBreakers } from './endpoint-breakers';
import { EndpointSlots, type ReleaseSlot } from './endpoint-slots';
import { webhookSenderFrom, type AttemptResult, type WebhookSender } from './webhook.sender';

/** Injection token of the view of `action-dispatcher.endpoint-failures`. */
export const ENDPOINT_FAILURES = Symbol('ENDPOINT_FAILURES');
export type EndpointFailures = CompactedTopicView<EndpointFailing>;

/** How often due executions are looked for (besides at once when one arrives due). */
const SCAN_INTERVAL_MS = 200;
/** How long an execution waits when the definitions view has not yet seen its workflow version. */
const DEFINITION_WAIT_MS = 1_000;
/**
 * How long the first retry of a step's write waits when its transaction failed (Kafka
 * unavailable); it doubles up to RECORD_RETRY_MAX_MS. The step is kept: the endpoint is not called
 * again for a write that failed.
 */
const RECORD_RETRY_MS = 1_000;
const RECORD_RETRY_MAX_MS = 30_000;

interface Entry {
  partition: number;
  pending: PendingDelivery;
}

/** What this instance wrote for an execution and waits to read back before it may act on it again. */
type AwaitedEcho = { partition: number } & (
  { kind: 'tombstone' } | { kind: 'pending'; attempts: number; dueAt: string }
);

/** A step that made no attempt: the workflow cannot run, or the endpoint's circuit is open. */
type StepWithoutAttempt =
  | { status: 'skipped'; attempts: PendingDelivery['attempts']; reason: string }
  | { status: 'circuit_open'; attempts: PendingDelivery['attempts']; reason: string; next: PendingDelivery };

/** What one step of an execution came to, as recorded: its result and what follows from it. */
export interface Step {
  workflowVersion: number;
  actionType: string;
  outcome: AfterAttempt | StepWithoutAttempt;
  /** `workflowName`: the definition's delivered with, for the tenant's notification. */
  disabling?: { endpoint: EndpointDisabled; cause: 'gone' | 'failing'; workflowName: string } | null;
  failing?: EndpointFailing;
  replies?: ConversationAction[];
}

interface OutboxItem {
  records: OutboundRecord[];
  committed: () => void;
  failed: (error: Error) => void;
}

/**
 * The durable retry schedule. `action-dispatcher.deliveries` (compacted, key = execution id) holds
 * every execution with an attempt still to make; this class owns some of its partitions through a
 * consumer group, reads them from the beginning on every assignment (it never commits offsets: the
 * topic is the state), and attempts each execution when it is due. After an attempt it writes, in
 * one Kafka transaction, the execution's result to `workflow.executions` and either its next
 * state (retrying) or a tombstone (done), then waits to read that write back before touching the
 * execution again. So a restart or a rebalance resumes every schedule where it stood, and an
 * execution whose success was committed is never attempted again.
 *
 * Deliveries run concurrently, at most `WEBHOOK_MAX_CONCURRENCY_PER_ENDPOINT` per workflow
 * endpoint, so one slow endpoint cannot hold back the others; an endpoint that throttled
 * (429/502/504 with Retry-After) is held back until then.
 */
@Injectable()
export class DeliveryScheduler implements OnModuleInit, OnApplicationShutdown {
  private readonly consumer: Consumer;
  private readonly producer: TransactionalProducer;
  private readonly admin: Admin;
  private readonly http: GuardedHttpClient;
  private readonly webhooks: WebhookSender;
  private readonly breakers: EndpointBreakers<AttemptResult & { verdict: DeliveryVerdict }>;
  private readonly schedule: RetrySchedule;
  private readonly entries = new Map<string, Entry>();
  /** Workflow + conversation → its executions in the schedule, for workflows that deliver in order. */
  private readonly lines = new Map<string, Set<string>>();
  /**
   * Partition → the offset it must be read up to before its entries may be attempted; null while
   * that end is being fetched (records already arriving then must wait too).
   */
  private readonly catchingUp = new Map<number, bigint | null>();
  private readonly positions = new Map<number, bigint>();
  private readonly owned = new Set<number>();
  private readonly running = new Map<string, Promise<void>>();
  /**
   * Running executions that another instance finished meanwhile (its tombstone was read while this
   * one's attempt ran, after a rebalance): their step must not put them back in the schedule.
   */
  private readonly finishedElsewhere = new Set<string>();
  private readonly awaitingEcho = new Map<string, AwaitedEcho>();
  private readonly waiting = new Map<string, string[]>();
  private readonly queued = new Set<string>();
  private readonly slots: EndpointSlots;
  /** Endpoints a Retry-After holds back (epoch ms), with the URL that asked: another URL is not held. */
  private readonly endpointHeldUntil = new Map<string, { until: number; url: string }>();
  /** Executions not to attempt before a time (epoch ms): their workflow version is not in the definitions view yet. */
  private readonly notBefore = new Map<string, number>();
  private partitionCount = 0;
  private outbox: OutboxItem[] = [];
  private committing: Promise<void> | null = null;
  private scanTimer: NodeJS.Timeout | undefined;
  private readonly stopRestarting: () => void;
  private joined = false;
  /**
   * Set from the start of a rebalance (or a crash) until the group is joined again: meanwhile this
   * instance owns nothing, and steps wait to learn whether their partition is still its own.
   */
  private rejoining: { done: Promise<void>; resolve: () => void } | null = null;
  private stopping = false;
  /** Set when another instance took this one's transactional id: see stopAsFenced. */
  private fenced: unknown = null;
  private resolveStopped: () => void = () => undefined;
  private readonly stopped = new Promise<void>((resolve) => (this.resolveStopped = resolve));

  constructor(
    @Inject(KAFKA_CLIENT) kafka: Kafka,
    @Inject(WORKFLOW_DEFINITIONS) private readonly definitions: WorkflowDefinitions,
    @Inject(DISABLED_ENDPOINTS) private readonly disabledEndpoints: DisabledEndpoints,
    @Inject(ENDPOINT_FAILURES) private readonly endpointFailures: EndpointFailures,
    @Inject(APP_CONFIG) private readonly config: ActionDispatcherConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
    private readonly readiness: ReadinessRegistry,
  ) {
    this.consumer = kafka.consumer({
      groupId: 'action-dispatcher-deliveries',
      readUncommitted: false,
      sessionTimeout: 10_000,
      heartbeatInterval: 3_000,
      maxWaitTimeInMs: 100,
    });
    this.producer = new TransactionalProducer(kafka, `action-dispatcher-deliveries-${config.INSTANCE_ID}`, logger);
    this.admin = kafka.admin();
    ({ http: this.http, webhooks: this.webhooks } = webhookSenderFrom(config));
    this.schedule = RetrySchedule.parse(config.WEBHOOK_RETRY_SCHEDULE);
    this.slots = new EndpointSlots(
      config.WEBHOOK_MAX_CONCURRENCY_PER_ENDPOINT,
      // An endpoint is a workflow's: its action's rate limit applies.
      (endpoint) => {
        const action = this.definitions.get(endpoint)?.action;
        return action && 'maxPerSecond' in action ? action.maxPerSecond : undefined;
      },
      (endpoint) => (this.waiting.get(endpoint)?.length ?? 0) > 0,
      (endpoint) => this.drain(endpoint),
    );
    this.breakers = new EndpointBreakers(
      {
        failureThreshold: config.WEBHOOK_CIRCUIT_FAILURE_THRESHOLD,
        halfOpenAfterMs: config.WEBHOOK_CIRCUIT_HALF_OPEN_AFTER_MS,
        unusedForgottenAfterMs:
          Math.max(
            this.schedule.longestDelayMs,
            config.WEBHOOK_MAX_RETRY_AFTER_MS,
            config.WEBHOOK_CIRCUIT_HALF_OPEN_AFTER_MS,
          ) + config.WEBHOOK_CIRCUIT_HALF_OPEN_AFTER_MS,
      },
      (result) => result.verdict.kind === 'retry',
    );
    this.stopRestarting = restartWhenCrashed(this.consumer, {
      name: 'action-dispatcher-deliveries',
      run: () => this.runConsumer(),
      logger,
    });
    const { CRASH, GROUP_JOIN, END_BATCH_PROCESS, REBALANCING } = this.consumer.events;
    // Unready until it has joined again and read its partitions (first attempts go to the schedule
    // meanwhile); and owning nothing until then, since the group may have handed its partitions to
    // another member (a session that timed out during a Kafka outage): no step is written into them.
    this.consumer.on(CRASH, () => {
      this.joined = false;
      this.startRejoining();
    });
    this.consumer.on(REBALANCING, () => this.startRejoining());
    this.consumer.on(GROUP_JOIN, ({ payload }) => {
      void this.onAssignment(payload.memberAssignment[Topics.pendingDeliveries.name] ?? []);
      this.rejoining?.resolve();
      this.rejoining = null;
    });
    this.consumer.on(END_BATCH_PROCESS, ({ payload }) => {
      if (payload.topic !== Topics.pendingDeliveries.name) return;
      this.positions.set(payload.partition, BigInt(payload.lastOffset));
      this.checkCaughtUp(payload.partition);
    });
  }

  async onModuleInit(): Promise<void> {
    this.readiness.register({
      name: 'delivery-schedule',
      check: () =>
        this.fenced !== null
          ? { ready: false, detail: `fenced: another instance uses INSTANCE_ID ${this.config.INSTANCE_ID}` }
          : this.joined && this.catchingUp.size === 0
            ? { ready: true, detail: `${this.entries.size} pending deliveries in ${this.owned.size} partition(s)` }
            : { ready: false, detail: this.joined ? 'reading the schedule' : 'joining group' },
    });
    await this.admin.connect();
    await this.producer.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: Topics.pendingDeliveries.name, fromBeginning: true });
    await this.runConsumer();
    this.scanTimer = setInterval(() => this.scan(), SCAN_INTERVAL_MS);
  }

  private runConsumer(): Promise<void> {
    return this.consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) =>
        this.apply(partition, message.key?.toString('utf8'), message.value),
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.stopRestarting();
    this.slots.refuseWaiters();
    this.resolveStopped();
    clearInterval(this.scanTimer);
    await this.consumer.disconnect();
    // An attempt may take WEBHOOK_TIMEOUT_MS, as long as the whole drain may: cut the ones in
    // flight short instead of waiting. They are not recorded (see execute), so the schedule still
    // holds them and they are made again after the restart, with the same webhook-id.
    await this.http.destroy();
    await Promise.allSettled([...this.running.values()]);
    await this.flush();
    await this.producer.disconnect();
    await this.admin.disconnect();
  }

  /**
   * Another instance took this one's transactional id (it runs with the same INSTANCE_ID): nothing
   * this one attempts could be recorded any more, so it attempts nothing, leaves the schedule's
   * group (its partitions go to the other members) and reports unready until it is restarted
   * under an id of its own.
   */
  private stopAsFenced(error: unknown): void {
    if (this.fenced !== null) return;
    this.fenced = error;
    this.stopping = true;
    this.stopRestarting();
    this.slots.refuseWaiters();
    clearInterval(this.scanTimer);
    this.consumer.disconnect().catch((disconnectError: unknown) => {
      this.logger.error({ err: disconnectError }, 'leaving the delivery schedule group failed');
    });
    this.logger.error(
      { err: error, instanceId: this.config.INSTANCE_ID },
      'the delivery schedule producer was fenced: another instance uses this INSTANCE_ID; attempting nothing more',
    );
  }

  /** A rebalance or a crash began: this instance owns nothing until the group is joined again. */
  private startRejoining(): void {
    this.owned.clear();
    if (this.rejoining) return;
    let resolve: () => void = () => undefined;
    const done = new Promise<void>((resolveDone) => (resolve = resolveDone));
    this.rejoining = { done, resolve };
  }

  /**
   * Every (re)assignment: kafkajs resolves each assigned partition's offset afresh, and without
   * committed offsets that is the beginning, so the owned partitions are read again in full.
   */
  private async onAssignment(partitions: number[]): Promise<void> {
    this.entries.clear();
    this.lines.clear();
    this.waiting.clear();
    this.queued.clear();
    this.owned.clear();
    this.catchingUp.clear();
    this.positions.clear();
    for (const partition of partitions) {
      this.owned.add(partition);
      // Before the first await: the consumer may hand over records while the ends are fetched.
      this.catchingUp.set(partition, null);
    }
    for (const [id, awaited] of this.awaitingEcho) {
      // Echoes in partitions now owned by others are theirs to read.
      if (!this.owned.has(awaited.partition)) this.awaitingEcho.delete(id);
    }
    const assignment = new Set(this.owned);
    while (!this.stopping) {
      try {
        const ends = await this.admin.fetchTopicOffsets(Topics.pendingDeliveries.name);
        // A newer assignment took over while the ends were fetched: it sets its own targets.
        if (!sameSet(assignment, this.owned)) return;
        this.partitionCount = ends.length;
        for (const end of ends) {
          if (!this.owned.has(end.partition)) continue;
          if (BigInt(end.high) > BigInt(end.low)) this.catchingUp.set(end.partition, BigInt(end.high) - 1n);
          else this.catchingUp.delete(end.partition);
          this.checkCaughtUp(end.partition);
        }
        this.joined = true;
        this.updateGauge();
        this.scan();
        return;
      } catch (error) {
        this.logger.error({ err: error }, 'could not read the ends of the delivery schedule; retrying');
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  }

  private checkCaughtUp(partition: number): void {
    const target = this.catchingUp.get(partition);
    if (target === undefined || target === null) return;
    if ((this.positions.get(partition) ?? -1n) >= target) {
      this.catchingUp.delete(partition);
      this.scan();
    }
  }

  private apply(partition: number, key: string | undefined, value: Buffer | null): void {
    if (key === undefined) return;
    const awaited = this.awaitingEcho.get(key);
    if (value === null) {
      if (this.running.has(key) && awaited?.kind !== 'tombstone') this.finishedElsewhere.add(key);
      const done = this.entries.get(key);
      if (done) this.leaveLine(key, done.pending);
      this.entries.delete(key);
      if (awaited?.kind === 'tombstone') this.awaitingEcho.delete(key);
      this.updateGauge();
      return;
    }
    let pending: PendingDelivery;
    try {
      pending = parseJson(value, pendingDeliveryValidator);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      this.logger.error({ executionId: key, reason: error.message }, 'invalid record in the delivery schedule');
      // Not an echo to wait for: the execution goes on from the state held before it, not stuck.
      if (awaited !== undefined) this.awaitingEcho.delete(key);
      return;
    }
    // A state after a tombstone (a replay's series after the first one's end, read again on a
    // rebalance) makes the execution live again: its run was not finished elsewhere.
    this.finishedElsewhere.delete(key);
    this.entries.set(key, { partition, pending });
    this.joinLine(key, pending);
    if (
      awaited?.kind === 'pending' &&
      awaited.attempts === pending.attempts.length &&
      awaited.dueAt === pending.dueAt
    ) {
      this.awaitingEcho.delete(key);
    }
    this.updateGauge();
    if (!this.catchingUp.has(partition) && Date.parse(pending.dueAt) <= Date.now()) this.enqueue(key);
  }

  /**
   * Queues every due execution that is not already queued or running; forgets circuits nothing
   * waits on, idle rate-limit buckets, and holds and waits that are over (an expired one is as
   * good as none), so that workflows no longer delivering leave nothing behind.
   */
  private scan(): void {
    if (this.stopping) return;
    const now = Date.now();
    for (const [id, entry] of this.entries) {
      if (Date.parse(entry.pending.dueAt) <= now) this.enqueue(id);
    }
    for (const endpoint of this.waiting.keys()) this.drain(endpoint);
    this.breakers.forgetUnused(now);
    this.slots.forgetIdle(now);
    for (const [endpoint, { until }] of this.endpointHeldUntil)
      if (until <= now) this.endpointHeldUntil.delete(endpoint);
    for (const [executionId, at] of this.notBefore) if (at <= now) this.notBefore.delete(executionId);
  }

  private enqueue(id: string): void {
    const entry = this.entries.get(id);
    if (!entry || this.queued.has(id) || this.running.has(id) || this.awaitingEcho.has(id)) return;
    if (this.catchingUp.has(entry.partition) || !this.owned.has(entry.partition)) return;
    if ((this.notBefore.get(id) ?? 0) > Date.now()) return;
    if (!this.isFirstInLine(id, entry.pending)) return;
    const endpoint = entry.pending.trigger.workflow.id;
    this.queued.add(id);
    const queue = this.waiting.get(endpoint) ?? [];
    queue.push(id);
    this.waiting.set(endpoint, queue);
    this.drain(endpoint);
  }

  /**
   * The schedule partition of a new execution whose first attempt its trigger's batch may make at
   * once (see InlineDeliveries), or null when it must go through the schedule: this instance
   * must own that partition (so that no other instance attempts it while the inline attempt is
   * in flight) and have read it up to its end; replays and workflows that deliver in
   * conversation order always go through the schedule.
   */
  inlinePartitionOf(pending: PendingDelivery): number | null {
    if (this.stopping || !this.joined || this.partitionCount === 0 || pending.replay !== undefined) return null;
    if (this.running.has(pending.executionId) || this.entries.has(pending.executionId)) return null;
    const action = this.definitions.get(pending.trigger.workflow.id)?.action;
    if (action && 'ordering' in action && action.ordering === 'conversation') return null;
    const partition = partitionOfKey(pending.trigger.conversationId, this.partitionCount);
    return this.owned.has(partition) && !this.catchingUp.has(partition) ? partition : null;
  }

  /**
   * One of the endpoint's delivery slots for an inline attempt, as soon as one is free and at the
   * latest by `deadline` (epoch ms); null then, or at once when the endpoint is held back.
   */
  takeSlot(endpoint: string, deadline: number): Promise<ReleaseSlot | null> {
    if (this.stopping || this.isHeldBack(endpoint)) return Promise.resolve(null);
    return this.slots.take(endpoint, deadline);
  }

  /**
   * Makes a new execution's first attempt now, holding a slot taken with takeSlot. While it
   * runs, the execution counts as running, so the schedule does not start it a second time.
   */
  attemptNow(pending: PendingDelivery, releaseSlot: () => void): Promise<Step | null> {
    const attempt = this.step(pending, releaseSlot)
      .catch((error: unknown) => {
        this.logger.error({ err: error, executionId: pending.executionId }, 'inline attempt failed');
        return null;
      })
      .finally(releaseSlot);
    this.running.set(
      pending.executionId,
      attempt.then(() => undefined),
    );
    return attempt;
  }

  /**
   * An inline step that finished in time: the records that commit with the trigger's batch, and
   * what to do once they did (metrics, endpoint views).
   */
  inlineStep(
    pending: PendingDelivery,
    partition: number,
    step: Step,
  ): { records: OutboundRecord[]; committed: () => void } {
    this.doneRunning(pending.executionId);
    const { records, result } = this.stepRecords(pending, partition, step, { inSchedule: false });
    return { records, committed: () => this.stepCommitted(step, result) };
  }

  /**
   * An inline attempt that outlasted its batch's wait: the batch wrote the execution into the
   * schedule, and the attempt is recorded there like any other step once both are over (during a
   * shutdown too: the drain waits for it). When the batch did not commit (it will be processed
   * again), or the service stops before it did, the step is dropped: the execution is attempted
   * again from the schedule or the redone batch, with the same webhook-id.
   */
  recordWhenCommitted(
    pending: PendingDelivery,
    partition: number,
    attempt: Promise<Step | null>,
    committed: Promise<boolean>,
  ): void {
    const { executionId } = pending;
    const run = (async () => {
      const [step, wasCommitted] = await Promise.all([
        attempt,
        Promise.race([committed, this.stopped.then(() => false)]),
      ]);
      if (step && wasCommitted) await this.record(pending, partition, step);
    })()
      .catch((error: unknown) => this.logger.error({ err: error, executionId }, 'recording an inline attempt failed'))
      .finally(() => {
        this.doneRunning(executionId);
        this.enqueue(executionId);
      });
    this.running.set(executionId, run);
  }

  /**
   * Whether an execution may be attempted now as far as ordering goes: always, unless its
   * workflow delivers in conversation order and an earlier-triggered execution of the same
   * conversation is still in the schedule (retrying, or not yet attempted). A replay is a
   * redelivery on request and never waits in line.
   */
  private isFirstInLine(id: string, pending: PendingDelivery): boolean {
    const action = this.definitions.get(pending.trigger.workflow.id)?.action;
    if (pending.replay !== undefined || !action || !('ordering' in action) || action.ordering !== 'conversation') {
      return true;
    }
    for (const other of this.lines.get(lineOf(pending)) ?? []) {
      if (other === id) continue;
      const earlier = this.entries.get(other)?.pending;
      if (earlier && earlier.replay === undefined && triggeredBefore(earlier, pending)) return false;
    }
    return true;
  }

  private joinLine(id: string, pending: PendingDelivery): void {
    const line = lineOf(pending);
    const members = this.lines.get(line) ?? new Set<string>();
    members.add(id);
    this.lines.set(line, members);
  }

  private leaveLine(id: string, pending: PendingDelivery): void {
    const line = lineOf(pending);
    const members = this.lines.get(line);
    members?.delete(id);
    if (members?.size === 0) this.lines.delete(line);
  }

  /** Starts the endpoint's queued executions while it has free slots and is not held back. */
  private drain(endpoint: string): void {
    const queue = this.waiting.get(endpoint);
    if (!queue || this.stopping || this.isHeldBack(endpoint)) return;
    while (queue.length > 0) {
      const id = queue[0]!;
      const entry = this.entries.get(id);
      if (!entry || this.running.has(id) || this.awaitingEcho.has(id) || this.catchingUp.has(entry.partition)) {
        queue.shift();
        this.queued.delete(id);
        continue;
      }
      // The endpoint's slot is freed as soon as its HTTP attempt is over, not when the result commits.
      const releaseSlot = this.slots.tryTake(endpoint);
      if (!releaseSlot) break;
      queue.shift();
      this.queued.delete(id);
      const run = this.execute(entry, releaseSlot)
        .catch((error: unknown) => this.logger.error({ err: error, executionId: id }, 'execution step failed'))
        .finally(() => {
          this.doneRunning(id);
          releaseSlot();
        });
      this.running.set(id, run);
    }
    if (queue.length === 0) this.waiting.delete(endpoint);
  }

  /** Whether a Retry-After holds the endpoint back: only while its workflow still calls the URL that asked. */
  private isHeldBack(endpoint: string): boolean {
    const hold = this.endpointHeldUntil.get(endpoint);
    if (!hold || hold.until <= Date.now()) return false;
    const action = this.definitions.get(endpoint)?.action;
    return action !== undefined && endpointUrlOf(action) === hold.url;
  }

  /** One step of an execution from the schedule: skip it, or attempt it, and record where it stands. */
  private async execute({ pending, partition }: Entry, releaseSlot: () => void): Promise<void> {
    const step = await this.step(pending, releaseSlot);
    if (step) await this.record(pending, partition, step);
  }

  /** The execution no longer runs here (a replay of it may run later, under the same id). */
  private doneRunning(executionId: string): void {
    this.running.delete(executionId);
    this.finishedElsewhere.delete(executionId);
  }

  /**
   * One step of an execution: skipped, or attempted (the endpoint's slot is released when the
   * HTTP attempt is over). Null when it must wait for the definitions view to see its workflow
   * version, or when shutdown cut its attempt short (not recorded: it is made again after the restart).
   */
  private async step(pending: PendingDelivery, releaseSlot: () => void): Promise<Step | null> {
    const { trigger, executionId } = pending;
    const definition = this.definitions.get(trigger.workflow.id);
    if (definition && definition.version < trigger.workflow.version) {
      // The definitions view has not yet seen the version that fired: look again shortly.
      this.notBefore.set(executionId, Date.now() + DEFINITION_WAIT_MS);
      return null;
    }
    this.notBefore.delete(executionId);
    const disabled = this.disabledEndpoints.get(trigger.workflow.id);
    const now = new Date();
    const target = definition ? planAction({ definition, trigger, executionId, now }).delivery : null;
    const skipReason = !definition
      ? 'workflow was deleted'
      : !runsOn(definition.status, trigger)
        ? 'workflow is disabled'
        : disabled && disabled.workflowVersion >= definition.version
          ? `endpoint disabled: ${disabled.reason}`
          : !target
            ? `the workflow's action (${definition.action.type}) no longer calls an endpoint`
            : null;
    if (!definition || !target || skipReason) {
      this.breakers.forget(trigger.workflow.id);
      return {
        workflowVersion: definition?.version ?? trigger.workflow.version,
        actionType: definition?.action.type ?? 'unknown',
        outcome: { status: 'skipped', attempts: pending.attempts, reason: skipReason ?? 'workflow was deleted' },
        ...(definition ? { replies: this.fallbackWhenSkipped(definition, pending) } : {}),
      };
    }
    const endpointOfTarget = { tenantId: definition.tenantId, workflowId: definition.id, url: target.url };
    const tried = await this.breakers.run(endpointOfTarget, async () => {
      const sent = await this.webhooks.send(target, definition, trigger, executionId, pending.attempts.length + 1);
      return { ...sent, verdict: judgeAttempt(sent.answer, new Date(), this.config.WEBHOOK_MAX_RETRY_AFTER_MS) };
    });
    releaseSlot();
    if (this.stopping && tried?.attempt.statusCode === undefined) return null;
    if (tried === null) {
      const dueAt = new Date(Date.now() + this.config.WEBHOOK_CIRCUIT_HALF_OPEN_AFTER_MS).toISOString();
      return {
        workflowVersion: definition.version,
        actionType: definition.action.type,
        outcome: {
          status: 'circuit_open',
          attempts: pending.attempts,
          reason: 'circuit open: the endpoint keeps failing; postponed without an attempt',
          next: { ...pending, dueAt },
        },
      };
    }
    const { attempt, verdict } = tried;
    actionDeliveryDuration.observe(
      { action_type: definition.action.type, outcome: verdict.kind === 'delivered' ? 'succeeded' : 'failed' },
      attempt.durationMs / 1000,
    );
    const outcome = afterAttempt(pending, attempt, verdict, this.schedule, new Date());
    if (outcome.status === 'retrying') {
      deliveryRetriesScheduled.inc({
        action_type: definition.action.type,
        throttled: String(outcome.holdEndpointUntil !== undefined),
      });
      if (outcome.holdEndpointUntil) {
        // Concurrent attempts may answer different Retry-Afters: the longest hold of the URL stands.
        const held = this.endpointHeldUntil.get(trigger.workflow.id);
        const until = Math.max(held?.url === target.url ? held.until : 0, outcome.holdEndpointUntil.getTime());
        this.endpointHeldUntil.set(trigger.workflow.id, { until, url: target.url });
        this.slots.refuseWaiters(trigger.workflow.id);
      }
    }
    const endpoint = createHash('sha256').update(target.url).digest('hex');
    const recorded = this.endpointFailures.get(definition.id);
    const continued = continuedStreak(recorded, endpoint, new Date(definition.updatedAt));
    const health = endpointHealthAfter(
      continued,
      { succeeded: verdict.kind === 'delivered', at: new Date(attempt.startedAt) },
      this.config.WEBHOOK_DISABLE_AFTER_FAILING_SECONDS * 1000,
    );
    const disabledBecause = (reason: string, cause: 'gone' | 'failing') => ({
      cause,
      workflowName: definition.name,
      endpoint: {
        workflowId: definition.id,
        tenantId: definition.tenantId,
        workflowVersion: definition.version,
        // A URL may take 2,048 characters; the record's reason takes 2,000.
        reason: reason.slice(0, 2000),
        disabledAt: new Date().toISOString(),
      },
    });
    // The origin only: the reason goes to logs, notifications and the disabled endpoint's record.
    const origin = originOf(target.url) ?? 'a URL that cannot be parsed';
    const disabling =
      outcome.status === 'failed' && outcome.endpointGone
        ? disabledBecause(`${origin} answered 410 Gone`, 'gone')
        : health.disable
          ? disabledBecause(
              `no successful delivery to ${origin} since ${health.failingSince!.toISOString()}`,
              'failing',
            )
          : null;
    // The streak is written when it starts or ends (a record of another URL's streak ends too), and
    // forgotten once it disabled the endpoint.
    const streak = disabling ? null : (health.failingSince?.toISOString() ?? null);
    const recordedStreak = recorded?.failingSince ?? null;
    const changed = streak !== recordedStreak || (streak !== null && recorded?.endpoint !== endpoint);
    return {
      workflowVersion: definition.version,
      actionType: definition.action.type,
      outcome,
      disabling,
      ...(changed
        ? { failing: { workflowId: definition.id, tenantId: definition.tenantId, failingSince: streak, endpoint } }
        : {}),
      replies: this.repliesAfter(definition, pending, outcome, tried.responseBody),
    };
  }

  /**
   * What the contact is told after an attempt: the webhook's answer mapped into its response
   * reply on success; the fallback message when the execution finally failed (or at the first
   * failure, when the workflow asks for it then).
   */
  private repliesAfter(
    definition: WorkflowDefinition,
    pending: PendingDelivery,
    outcome: AfterAttempt,
    responseBody: string | undefined,
  ): ConversationAction[] {
    // A replay delivers only: the conversation has moved on, and its fallback was sent the first time.
    if (pending.replay !== undefined) return [];
    const { action } = definition;
    const failures = outcome.attempts.filter(
      (attempt) => attempt.statusCode === undefined || attempt.statusCode >= 300,
    );
    if (outcome.status === 'succeeded') {
      if (action.type !== 'webhook' || !action.responseReply) return [];
      const input = { definition, trigger: pending.trigger, executionId: pending.executionId, now: new Date() };
      const reply = replyInstruction(action.responseReply, 'response', input, parseResponse(responseBody));
      // An answer without the fields the reply shows confirms nothing: the fallback says what it
      // can, unless it was said at the first failure already.
      return reply
        ? [reply]
        : this.fallbackIfDue(definition, pending, (when) => when === 'final_failure' || failures.length === 0);
    }
    const firstFailure = failures.length === 1;
    return this.fallbackIfDue(definition, pending, (when) =>
      outcome.status === 'failed' ? when === 'final_failure' || firstFailure : when === 'first_failure' && firstFailure,
    );
  }

  /**
   * A skipped execution (its endpoint disabled meanwhile, say) ends without an answer for the
   * contact, as a final failure does: the fallback message, unless it was sent at a first failure.
   */
  private fallbackWhenSkipped(definition: WorkflowDefinition, pending: PendingDelivery): ConversationAction[] {
    return this.fallbackIfDue(definition, pending, (when) => when === 'final_failure' || pending.attempts.length === 0);
  }

  /**
   * The workflow's fallback message for the contact, if it has one and `due` says it is due for
   * its `when`; never on a replay (the conversation has moved on; it was sent the first time).
   */
  private fallbackIfDue(
    definition: WorkflowDefinition,
    pending: PendingDelivery,
    due: (when: 'final_failure' | 'first_failure') => boolean,
  ): ConversationAction[] {
    const fallback = 'fallback' in definition.action ? definition.action.fallback : undefined;
    if (!fallback || pending.replay !== undefined || !due(fallback.when ?? 'final_failure')) return [];
    const input = { definition, trigger: pending.trigger, executionId: pending.executionId, now: new Date() };
    const reply = replyInstruction(fallback.message, 'fallback', input);
    return reply ? [reply] : [];
  }

  /**
   * Publishes the execution's result with its next state (or tombstone) in one transaction. A
   * failed write is retried with the same step until it lands or the dispatcher stops (calling the
   * endpoint again would send a delivery that may have succeeded); during a rebalance it waits for
   * the join. The step of an execution another instance holds now is dropped: one it finished
   * meanwhile, or any in a partition this instance lost, whose new owner attempts it and records it
   * (results, replies) once.
   */
  private async record(pending: PendingDelivery, partition: number, step: Step): Promise<void> {
    for (let failures = 0; ; failures += 1) {
      // A rebalance under way (most keep their partitions): wait to know before writing or dropping.
      if (this.rejoining) {
        await Promise.race([this.rejoining.done, this.stopped]);
        if (this.stopping) return;
      }
      if (this.finishedElsewhere.has(pending.executionId) || !this.owned.has(partition)) {
        this.logger.info(
          { executionId: pending.executionId, status: step.outcome.status },
          'another instance holds this execution now; this step is not recorded',
        );
        return;
      }
      try {
        return await this.recordOnce(pending, partition, step);
      } catch (error) {
        if (this.stopping) throw error;
        const delay = Math.min(RECORD_RETRY_MS * 2 ** failures, RECORD_RETRY_MAX_MS);
        await Promise.race([new Promise((resolve) => setTimeout(resolve, delay).unref()), this.stopped]);
        if (this.stopping) throw error;
      }
    }
  }

  private async recordOnce(pending: PendingDelivery, partition: number, step: Step): Promise<void> {
    const { executionId } = pending;
    const { records, result } = this.stepRecords(pending, partition, step, { inSchedule: true });
    const next = 'next' in step.outcome ? step.outcome.next : null;
    this.awaitingEcho.set(
      executionId,
      next
        ? { partition, kind: 'pending', attempts: next.attempts.length, dueAt: next.dueAt }
        : { partition, kind: 'tombstone' },
    );
    await new Promise<void>((resolve, reject) => {
      this.outbox.push({
        records,
        committed: () => {
          this.stepCommitted(step, result);
          resolve();
        },
        failed: (error) => {
          this.awaitingEcho.delete(executionId);
          reject(error);
        },
      });
      void this.flush();
    });
  }

  /**
   * A step's records: its result for history, the execution's next state in the schedule (or,
   * when it was in the schedule and is done, a tombstone), endpoint health, and replies.
   */
  private stepRecords(
    pending: PendingDelivery,
    partition: number,
    step: Step,
    { inSchedule }: { inSchedule: boolean },
  ): { records: OutboundRecord[]; result: WorkflowExecuted } {
    const { trigger, executionId } = pending;
    const { outcome } = step;
    const result: WorkflowExecuted = {
      ...executionResultOf(
        pending,
        {
          workflowVersion: step.workflowVersion,
          actionType: step.actionType,
          status: outcome.status,
          attempts: outcome.attempts,
          ...('reason' in outcome ? { reason: outcome.reason } : {}),
          ...('next' in outcome ? { nextAttemptAt: outcome.next.dueAt } : {}),
        },
        new Date(),
      ),
      // History keeps the trigger of a finished execution so that it can be replayed.
      ...(isFinalExecutionStatus(outcome.status) ? { trigger } : {}),
    };
    const next = 'next' in outcome ? outcome.next : null;
    // The execution's next state or tombstone stays in the partition its schedule started in.
    const schedule: OutboundRecord[] = next
      ? [{ ...jsonRecord(Topics.pendingDeliveries.name, executionId, next), partition }]
      : inSchedule
        ? [{ topic: Topics.pendingDeliveries.name, key: executionId, value: null, partition }]
        : [];
    const records = [
      jsonRecord(Topics.workflowExecutions.name, trigger.conversationId, result),
      ...schedule,
      ...(step.disabling ? disablingRecords(step.disabling) : []),
      ...(step.failing ? [jsonRecord(Topics.endpointFailures.name, step.failing.workflowId, step.failing)] : []),
      ...(step.replies ?? []).map((reply) => jsonRecord(Topics.conversationActions.name, reply.conversationId, reply)),
    ];
    return { records, result };
  }

  /** What follows once a step's records are committed: metrics, the endpoint views, a warning. */
  private stepCommitted(step: Step, result: WorkflowExecuted): void {
    if (isFinalExecutionStatus(result.status)) recordExecutionFinished(result);
    if (step.failing) this.endpointFailures.set(step.failing.workflowId, step.failing);
    if (step.disabling) {
      const { endpoint, cause } = step.disabling;
      // Attempts in flight together may each disable the endpoint: counted and logged once.
      const known = this.disabledEndpoints.get(endpoint.workflowId);
      if (known && known.workflowVersion >= endpoint.workflowVersion) return;
      this.disabledEndpoints.set(endpoint.workflowId, endpoint);
      this.breakers.forget(endpoint.workflowId);
      endpointsDisabled.inc({
        tenant: endpoint.tenantId,
        // Its own id, never folded into `other`: disablings are rare, and the alert must name the endpoint.
        workflow: endpoint.workflowId,
        reason: cause,
      });
      this.logger.warn(
        { workflowId: endpoint.workflowId, tenantId: endpoint.tenantId, reason: endpoint.reason },
        'webhook endpoint disabled until the workflow changes',
      );
    }
  }

  /** Group commit: whatever accumulated while the previous transaction ran goes in the next one. */
  private async flush(): Promise<void> {
    while (this.committing) await this.committing.catch(() => undefined);
    if (this.outbox.length === 0) return;
    const items = this.outbox;
    this.outbox = [];
    const records = items.flatMap((item) => item.records);
    this.committing = (async () => {
      try {
        await this.producer.inTransaction((transaction) => sendChunked(transaction, records, { inTransaction: true }));
      } catch (error) {
        if (isFencing(error)) this.stopAsFenced(error);
        this.logger.error(
          { err: error },
          'recording delivery results failed; the writes are retried (the endpoints are not called again)',
        );
        const failure = error instanceof Error ? error : new Error(String(error));
        items.forEach((item) => item.failed(failure));
        return;
      }
      countProduced(records);
      items.forEach((item) => item.committed());
    })();
    try {
      await this.committing;
    } finally {
      this.committing = null;
    }
  }

  private updateGauge(): void {
    pendingDeliveries.set(this.entries.size);
  }
}

/** A response body as template values: its JSON, or `{ "text": body }` when it is not JSON. */
function parseResponse(body: string | undefined): unknown {
  if (body === undefined || body.trim() === '') return {};
  try {
    // A U+0000 escaped in the JSON would reach the reply: replaced, as in the raw body.
    return JSON.parse(body, (_key, value: unknown) =>
      typeof value === 'string' ? value.replaceAll('\u0000', '\uFFFD') : value,
    ) as unknown;
  } catch {
    return { text: body };
  }
}

/**
 * An execution's entry in the delivery schedule, keyed by execution id and partitioned by
 * conversation: one scheduler instance owns all of a conversation's deliveries, so it can make
 * them in order when the workflow asks for that.
 */
export function scheduleRecord(pending: PendingDelivery): OutboundRecord {
  return jsonRecord(Topics.pendingDeliveries.name, pending.executionId, pending, {
    [PARTITION_KEY_HEADER]: pending.trigger.conversationId,
  });
}

function lineOf(pending: PendingDelivery): string {
  return `${pending.trigger.workflow.id}\u0000${pending.trigger.conversationId}`;
}

/** Trigger order within a conversation: firing time, then trigger id for the same millisecond. */
function triggeredBefore(a: PendingDelivery, b: PendingDelivery): boolean {
  const byTime = Date.parse(a.trigger.firedAt) - Date.parse(b.trigger.firedAt);
  return byTime !== 0 ? byTime < 0 : a.trigger.triggerId < b.trigger.triggerId;
}

function sameSet<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): boolean {
  return a.size === b.size && [...a].every((item) => b.has(item));
}

/**
 * Disabling an endpoint: the record that stops its deliveries, and the tenant's notification,
 * in the same transaction, so that neither goes out without the other. A disabling holds for one
 * version of the workflow, so the notification's id is that version's: deliveries in flight that
 * each meet the endpoint's failure publish the same notification, which consumers de-duplicate.
 */
function disablingRecords(disabling: NonNullable<Step['disabling']>): OutboundRecord[] {
  const { endpoint, cause, workflowName } = disabling;
  // The version delivered with, which the disabling applies to (the trigger may name an older one).
  const workflow = { id: endpoint.workflowId, version: endpoint.workflowVersion, name: workflowName };
  const notification: WorkflowNotification = {
    type: 'endpoint.disabled',
    id: deterministicId('endpoint.disabled', endpoint.workflowId, String(endpoint.workflowVersion)),
    tenantId: endpoint.tenantId,
    workflow,
    cause,
    reason: endpoint.reason,
    disabledAt: endpoint.disabledAt,
  };
  return [
    jsonRecord(Topics.disabledEndpoints.name, endpoint.workflowId, endpoint),
    jsonRecord(Topics.workflowNotifications.name, endpoint.tenantId, notification),
  ];
}
