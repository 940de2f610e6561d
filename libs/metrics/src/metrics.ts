import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every metric of the engine, declared once with its labels. Each service process has its own
 * registry; the `service` default label tells the series apart when Prometheus scrapes them all.
 * Labels stay bounded: topics, reasons, trigger and action types and outcomes, never ids.
 */
export const registry = new Registry();

export function initMetrics(service: string): void {
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
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

export const triggerMatches = new Counter({
  name: 'aw_trigger_matches_total',
  help: 'Workflows fired by trigger-matcher, by trigger type.',
  labelNames: ['trigger_type'] as const,
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

export const conversationStatesExpired = new Counter({
  name: 'aw_conversation_states_expired_total',
  help: 'Conversation states trigger-matcher forgot, by why: ended or idle.',
  labelNames: ['reason'] as const,
  registers: [registry],
});

export const materializedViewEntries = new Gauge({
  name: 'aw_materialized_view_entries',
  help: 'Entries held by an in-memory view of a compacted topic (e.g. workflow definitions).',
  labelNames: ['view'] as const,
  registers: [registry],
});

export const workflowExecutions = new Counter({
  name: 'aw_workflow_executions_total',
  help: 'Finished workflow executions, by action type and outcome.',
  labelNames: ['action_type', 'outcome'] as const,
  registers: [registry],
});

export const actionDeliveryDuration = new Histogram({
  name: 'aw_action_delivery_duration_seconds',
  help: 'Duration of one outbound delivery attempt, by action type and outcome.',
  labelNames: ['action_type', 'outcome'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
  registers: [registry],
});

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
  help: 'Webhook endpoints the dispatcher disabled, by reason (gone = 410, failing = no success for the disabling window).',
  labelNames: ['reason'] as const,
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
