import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { TopKLabelFolder } from '@app/domain';

/**
 * Every metric of the engine, declared once with its labels. Each service process has its own
 * registry; the `service` default label tells the series apart when Prometheus scrapes them all.
 * Names follow Prometheus conventions: base units in the name (`_seconds`, `_records`), `_total`
 * on counters. Labels stay bounded: topics, reasons, trigger and action types and outcomes, and
 * workflow ids only through `workflowLabel` (capped per tenant); never conversation or contact ids.
 */
export const registry = new Registry();

/** Default of METRICS_WORKFLOWS_PER_TENANT, for processes that do not read a service config. */
const DEFAULT_WORKFLOWS_PER_TENANT = 20;
let workflowLabels = new TopKLabelFolder(DEFAULT_WORKFLOWS_PER_TENANT);

export function initMetrics(service: string, options: { workflowsPerTenant: number }): void {
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  workflowLabels = new TopKLabelFolder(options.workflowsPerTenant);
}

/**
 * The `workflow` label value of a workflow: its id while it is among its tenant's most counted
 * workflows (METRICS_WORKFLOWS_PER_TENANT of them), else `other`. Each call counts one occurrence.
 */
export function workflowLabel(tenantId: string, workflowId: string): string {
  return workflowLabels.label(tenantId, workflowId);
}

export const eventsConsumed = new Counter({
  name: 'aw_events_consumed_total',
  help: 'Kafka records consumed, by topic.',
  labelNames: ['topic'] as const,
  registers: [registry],
});

export const eventsProduced = new Counter({
  name: 'aw_events_produced_total',
  help: 'Kafka records produced, by topic.',
  labelNames: ['topic'] as const,
  registers: [registry],
});

export const eventsRejected = new Counter({
  name: 'aw_events_rejected_total',
  help: 'Inbound events refused (dead-lettered or answered 4xx), by reason.',
  labelNames: ['reason'] as const,
  registers: [registry],
});

export const deadLettered = new Counter({
  name: 'aw_dead_lettered_total',
  help: 'Records written to a dead-letter topic, by DLQ topic.',
  labelNames: ['topic'] as const,
  registers: [registry],
});

export const eventsDeduplicated = new Counter({
  name: 'aw_events_deduplicated_total',
  help: 'Inbound events dropped because their id was already seen.',
  registers: [registry],
});

export const triggerEvaluations = new Counter({
  name: 'aw_trigger_evaluations_total',
  help: "Conversation events and timer wake-ups evaluated against their tenant's workflows, by event type.",
  labelNames: ['event_type'] as const,
  registers: [registry],
});

export const triggerMatches = new Counter({
  name: 'aw_trigger_matches_total',
  help: 'Workflows fired by trigger-matcher, by trigger type.',
  labelNames: ['trigger_type'] as const,
  registers: [registry],
});

export const decisionProviderRequests = new Counter({
  name: 'aw_decision_provider_requests_total',
  help: 'Contact messages intent matching was unsure of, asked of the decision provider.',
  registers: [registry],
});

export const decisionProviderFallbacks = new Counter({
  name: 'aw_decision_provider_fallbacks_total',
  help: 'Messages decided by intent matching because the decision provider failed or timed out.',
  registers: [registry],
});

export const timerTicksSent = new Counter({
  name: 'aw_timer_ticks_sent_total',
  help: 'Wake-ups trigger-matcher sent for conversations whose no_reply timer or state expiry was due.',
  registers: [registry],
});

export const memoryUpdatesRefused = new Counter({
  name: 'aw_memory_updates_refused_total',
  help: "Events whose contact-memory changes trigger-matcher refused: they would take the conversation's or the contact's memory over its size limit (the rest of the event was processed).",
  registers: [registry],
});

export const conversationStatesExpired = new Counter({
  name: 'aw_conversation_states_expired_total',
  help: 'Conversation states trigger-matcher forgot, by why: ended or idle.',
  labelNames: ['reason'] as const,
  registers: [registry],
});

export const escalationHandOffs = new Counter({
  name: 'aw_escalation_hand_offs_total',
  help: 'Hand-offs of escalations that asked the contact for their details and waited, by outcome: answered, ended or timed_out.',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

export const materializedViewEntries = new Gauge({
  name: 'aw_materialized_view_entries',
  help: 'Entries held by an in-memory view of a compacted topic (e.g. workflow definitions).',
  labelNames: ['view'] as const,
  registers: [registry],
});

export const viewChangeLag = new Histogram({
  name: 'aw_view_change_lag_seconds',
  help: 'From a change made at its source (the timestamp it carries) to an in-memory view applying it, by view; what a view reads while catching up at start is not counted.',
  labelNames: ['view'] as const,
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  registers: [registry],
});

export const workflowExecutions = new Counter({
  name: 'aw_workflow_executions_total',
  help: 'Finished workflow executions, by tenant, workflow (capped per tenant, see workflowLabel), action type and outcome.',
  labelNames: ['tenant', 'workflow', 'action_type', 'outcome'] as const,
  registers: [registry],
});

export const endToEndLatency = new Histogram({
  name: 'aw_end_to_end_latency_seconds',
  help: 'From the conversation event (its CloudEvents time) to the execution finished (action done), by action type and outcome.',
  labelNames: ['action_type', 'outcome'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
  registers: [registry],
});

export const actionDeliveryDuration = new Histogram({
  name: 'aw_action_delivery_duration_seconds',
  help: 'Duration of one outbound delivery attempt, by action type and outcome.',
  labelNames: ['action_type', 'outcome'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
  registers: [registry],
});

/**
 * Counts a finished execution and observes its end-to-end latency: the one way both are recorded.
 * An execution in a preview conversation (an author trying a draft) is not production traffic and
 * is not counted (a draft pointed at a test endpoint must not page anyone); a replay is counted,
 * but its latency, measured from a conversation event of hours or days ago, is not.
 */
export function recordExecutionFinished(execution: {
  tenantId: string;
  workflowId: string;
  actionType: string;
  status: string;
  eventTime: string;
  finishedAt: string;
  preview?: boolean;
  replay?: number;
}): void {
  if (execution.preview === true) return;
  const { tenantId, workflowId, actionType, status } = execution;
  workflowExecutions.inc({
    tenant: tenantId,
    workflow: workflowLabel(tenantId, workflowId),
    action_type: actionType,
    outcome: status,
  });
  if (execution.replay !== undefined) return;
  const seconds = (Date.parse(execution.finishedAt) - Date.parse(execution.eventTime)) / 1000;
  if (Number.isFinite(seconds))
    endToEndLatency.observe({ action_type: actionType, outcome: status }, Math.max(0, seconds));
}

export const kafkaBatchDuration = new Histogram({
  name: 'aw_kafka_batch_duration_seconds',
  help: 'Time to process and commit one consumed batch, by topic.',
  labelNames: ['topic'] as const,
  buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
  registers: [registry],
});

export const deliveryRetriesScheduled = new Counter({
  name: 'aw_delivery_retries_scheduled_total',
  help: 'Failed delivery attempts that were scheduled to be tried again, by action type and whether the receiver throttled.',
  labelNames: ['action_type', 'throttled'] as const,
  registers: [registry],
});

export const pendingDeliveries = new Gauge({
  name: 'aw_pending_deliveries',
  help: 'Executions with an attempt still to make, held by this dispatcher instance (its partitions of the schedule).',
  registers: [registry],
});

export const endpointsDisabled = new Counter({
  name: 'aw_webhook_endpoints_disabled_total',
  help: 'Webhook endpoints the dispatcher disabled, by tenant, workflow and reason (gone = 410, failing = no success for the disabling window).',
  labelNames: ['tenant', 'workflow', 'reason'] as const,
  registers: [registry],
});

export const executionReplaysRequested = new Counter({
  name: 'aw_execution_replays_requested_total',
  help: 'Executions history asked the dispatcher to deliver again, by request (one, or bulk: failures in a window).',
  labelNames: ['request'] as const,
  registers: [registry],
});

export const circuitBreakerTransitions = new Counter({
  name: 'aw_circuit_breaker_transitions_total',
  help: 'Endpoint circuit breakers changing state, by the state entered (open, half_open, closed).',
  labelNames: ['state'] as const,
  registers: [registry],
});

export const circuitsOpen = new Gauge({
  name: 'aw_webhook_circuits_open',
  help: 'Endpoint circuit breakers not closed (open or half-open) now in this dispatcher instance, by tenant and workflow (the endpoint is the workflow webhook).',
  labelNames: ['tenant', 'workflow'] as const,
  registers: [registry],
});

export const kafkaProduceErrors = new Counter({
  name: 'aw_kafka_produce_errors_total',
  help: 'Kafka produce requests that failed (after the client retries), by topic.',
  labelNames: ['topic'] as const,
  registers: [registry],
});

/** One reading of a gauge that is measured at scrape time: its labels and its value. */
export interface GaugeReading<L extends string> {
  labels: Record<L, string>;
  value: number;
}
/** Takes readings when Prometheus scrapes; registered by the component that can measure them. */
export type GaugeSource<L extends string> = () => Promise<GaugeReading<L>[]>;

/**
 * How long a scrape waits for a gauge source (it asks the brokers). Prometheus gives up on a whole
 * scrape after 10 s by default; a source that cannot answer (brokers unreachable: kafkajs' admin
 * retries for ~30 s) must not take the process's other metrics, and its `up`, with it.
 */
const GAUGE_SOURCE_DEADLINE_MS = 2_000;

export const gaugeSourceFailures = new Counter({
  name: 'aw_metric_source_failures_total',
  help: 'Scrapes that left out a gauge measured at scrape time (consumer lag, view lag) because its source failed (the brokers refused) or did not answer within 2 s (the brokers unreachable), by metric.',
  labelNames: ['metric'] as const,
  registers: [registry],
});

/**
 * A gauge measured on every scrape from the sources that components register (a consumer, a view):
 * returns the function that registers a source, which returns the function that removes it. A
 * source that fails or misses the deadline is left out of that scrape (no series rather than a
 * stale one) and counted in aw_metric_source_failures_total; its reading still in flight is reused
 * by the next scrape instead of asking the brokers again.
 */
function scrapedGauge<L extends string>(configuration: {
  name: string;
  help: string;
  labelNames: readonly L[];
}): (source: GaugeSource<L>) => () => void {
  const sources = new Set<GaugeSource<L>>();
  const inFlight = new Map<GaugeSource<L>, Promise<GaugeReading<L>[]>>();
  const readWithinDeadline = async (source: GaugeSource<L>): Promise<GaugeReading<L>[]> => {
    let reading = inFlight.get(source);
    if (reading === undefined) {
      reading = source().finally(() => inFlight.delete(source));
      inFlight.set(source, reading);
    }
    let deadline: NodeJS.Timeout | undefined;
    const missed = new Promise<undefined>((resolve) => {
      deadline = setTimeout(resolve, GAUGE_SOURCE_DEADLINE_MS, undefined);
    });
    try {
      const readings = await Promise.race([reading, missed]);
      if (readings !== undefined) return readings;
    } catch {
      // Counted below: the scrape goes on without this source.
    } finally {
      clearTimeout(deadline);
    }
    gaugeSourceFailures.inc({ metric: configuration.name });
    return [];
  };
  new Gauge({
    ...configuration,
    registers: [registry],
    async collect() {
      const readings = await Promise.all([...sources].map(readWithinDeadline));
      this.reset();
      for (const { labels, value } of readings.flat()) this.set(labels, value);
    },
  });
  return (source) => {
    sources.add(source);
    return () => sources.delete(source);
  };
}

/** Adds a consumer group's lag to the scrape; returns the function that removes it. */
export const reportConsumerLag = scrapedGauge({
  name: 'aw_kafka_consumer_lag_records',
  help: "Records a consumer group has not committed yet (partition end offset minus the group's committed offset), by group, topic and partition.",
  labelNames: ['group', 'topic', 'partition'] as const,
});

/** Adds an in-memory view's distance from the end of its topic to the scrape; returns the function that removes it. */
export const reportViewLag = scrapedGauge({
  name: 'aw_view_records_behind',
  help: "Offsets of a compacted topic that an in-memory view has yet to read (the partition's last offset, from the brokers, minus the view's position), by view, topic and partition.",
  labelNames: ['view', 'topic', 'partition'] as const,
});

export const viewRecordsRead = new Counter({
  name: 'aw_view_records_read_total',
  help: 'Records an in-memory view read from its compacted topic, by view; with aw_view_records_behind it tells a view that is behind and stuck from one that is catching up.',
  labelNames: ['view'] as const,
  registers: [registry],
});

/** A connection pool as pg's Pool exposes it. */
export interface PoolUsage {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}
let databasePool: { pool: PoolUsage; max: number } | undefined;

/** Makes the scrape report this pool (one database pool per service). */
export function reportDatabasePool(pool: PoolUsage, max: number): void {
  databasePool = { pool, max };
}

export const databasePoolConnections = new Gauge({
  name: 'aw_database_pool_connections',
  help: 'Connections of the service database pool, by state: in_use, idle, and max (the pool size).',
  labelNames: ['state'] as const,
  registers: [registry],
  collect() {
    if (!databasePool) return;
    const { pool, max } = databasePool;
    this.set({ state: 'in_use' }, pool.totalCount - pool.idleCount);
    this.set({ state: 'idle' }, pool.idleCount);
    this.set({ state: 'max' }, max);
  },
});

export const databasePoolWaitingClients = new Gauge({
  name: 'aw_database_pool_waiting_clients',
  help: 'Queries waiting for a free connection of the service database pool.',
  registers: [registry],
  collect() {
    if (databasePool) this.set(databasePool.pool.waitingCount);
  },
});
