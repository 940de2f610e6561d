import type { TSchema } from '@sinclair/typebox';
import { ConversationEventSchema } from './events/conversation-event.v1';
import { ContactMemoryRecordSchema, ConversationStateSchema, TimerTickSchema } from './events/conversation-state.v1';
import { ConversationActionSchema, SignalAppliedSchema } from './events/conversation-action.v1';
import { WorkflowExecutedSchema } from './events/workflow-execution.v1';
import { WorkflowTriggeredSchema } from './events/workflow-trigger.v1';
import { WorkflowDefinitionSchema } from './workflows/workflow.v1';
import { EndpointDisabledSchema, EndpointFailingSchema, PendingDeliverySchema } from './events/delivery-schedule.v1';
import { ReplayRequestedSchema } from './events/replay-request.v1';
import { WorkflowNotificationSchema } from './events/workflow-notification.v1';
import { ApiKeyRecordSchema } from './tenants/api-key.v1';

export interface TopicContract {
  /** The Kafka topic name. */
  readonly name: string;
  /** Schema of the value; null for topics that carry bytes as they arrived (the DLQ). */
  readonly schema: TSchema | null;
  /** `compact` keeps the last value per key (a table); `delete` is an event log. */
  readonly cleanupPolicy: 'delete' | 'compact';
  /** Whether consumers dead-letter poison records of this topic to `<name>.dlq`. */
  readonly deadLetter: boolean;
  /** What the record key is. */
  readonly key: string;
  readonly description: string;
  /**
   * For a compacted topic holding personal data: how long at most a value superseded or deleted by
   * a tombstone stays in the log (segments roll and are compacted at most this late, once the
   * partition is written to again).
   */
  readonly erasedWithinMs?: number;
}

/** Every topic of the engine with its schema: the single list that provisioning, docs and consumers use. */
export const Topics = {
  conversationEvents: {
    name: 'conversation.events',
    schema: ConversationEventSchema,
    cleanupPolicy: 'delete',
    deadLetter: true,
    key: 'conversation id',
    description: 'Inbound CloudEvents from conversation platforms.',
  },
  validatedEvents: {
    name: 'conversation.events.validated',
    schema: ConversationEventSchema,
    cleanupPolicy: 'delete',
    deadLetter: true,
    key: 'conversation id',
    description: 'Events that passed validation and de-duplication, in arrival order per conversation.',
  },
  workflowDefinitions: {
    name: 'workflow.definitions',
    schema: WorkflowDefinitionSchema,
    cleanupPolicy: 'compact',
    deadLetter: false,
    key: 'workflow id',
    description: 'Latest definition of every workflow, published by the api; null deletes.',
  },
  apiKeys: {
    name: 'tenant.api-keys',
    schema: ApiKeyRecordSchema,
    cleanupPolicy: 'compact',
    deadLetter: false,
    key: 'API key id',
    description: "Every tenant's API keys (hash only, never the key) with their revocation, published by the api.",
  },
  conversationState: {
    name: 'trigger-matcher.conversation-state',
    schema: ConversationStateSchema,
    cleanupPolicy: 'compact',
    deadLetter: false,
    key: 'tenant id/conversation id (partitioned by the conversation id, its partition-key header)',
    description: "trigger-matcher's durable per-conversation state; co-partitioned with the validated events.",
    // Transcripts and memory: superseded and deleted states leave the log within about a day.
    erasedWithinMs: 24 * 60 * 60 * 1000,
  },
  timerTicks: {
    name: 'trigger-matcher.timer-ticks',
    schema: TimerTickSchema,
    cleanupPolicy: 'delete',
    deadLetter: true,
    key: 'conversation id',
    description:
      "trigger-matcher's wake-ups for due no_reply timers; co-partitioned with the validated events, consumed by trigger-matcher.",
  },
  contactMemory: {
    name: 'trigger-matcher.contact-memory',
    schema: ContactMemoryRecordSchema,
    cleanupPolicy: 'compact',
    deadLetter: false,
    key: 'tenant/contact/attribute (an attribute), tenant/contact (the contact cleared)',
    description: 'Contact memory shared by all conversations of a contact: one record per attribute, and its clear.',
    // contact.memory.cleared is how a contact's data is erased.
    erasedWithinMs: 24 * 60 * 60 * 1000,
  },
  workflowTriggers: {
    name: 'workflow.triggers',
    schema: WorkflowTriggeredSchema,
    cleanupPolicy: 'delete',
    deadLetter: true,
    key: 'conversation id',
    description: 'Decisions of trigger-matcher that a workflow fires.',
  },
  workflowExecutions: {
    name: 'workflow.executions',
    schema: WorkflowExecutedSchema,
    cleanupPolicy: 'delete',
    deadLetter: true,
    key: 'conversation id',
    description: 'Outcomes of executions with every attempt.',
  },
  replayRequests: {
    name: 'workflow.replays',
    schema: ReplayRequestedSchema,
    cleanupPolicy: 'delete',
    deadLetter: true,
    key: 'conversation id',
    description: 'Finished executions to deliver again (requested through history), consumed by action-dispatcher.',
  },
  pendingDeliveries: {
    name: 'action-dispatcher.deliveries',
    schema: PendingDeliverySchema,
    cleanupPolicy: 'compact',
    deadLetter: false,
    key: 'execution id',
    description:
      "action-dispatcher's durable retry schedule: executions with an attempt still to make; null when done.",
    // Each holds its trigger (transcript, contact, memory): done deliveries leave the log within about a day.
    erasedWithinMs: 24 * 60 * 60 * 1000,
  },
  endpointFailures: {
    name: 'action-dispatcher.endpoint-failures',
    schema: EndpointFailingSchema,
    cleanupPolicy: 'compact',
    deadLetter: false,
    key: 'workflow id',
    description: "Since when a workflow's webhook endpoint has failed every attempt (the disabling window).",
  },
  disabledEndpoints: {
    name: 'action-dispatcher.disabled-endpoints',
    schema: EndpointDisabledSchema,
    cleanupPolicy: 'compact',
    deadLetter: false,
    key: 'workflow id',
    description: 'Webhook endpoints the dispatcher disabled (410 Gone, or failing for the whole disabling window).',
  },
  conversationActions: {
    name: 'conversation.actions',
    schema: ConversationActionSchema,
    cleanupPolicy: 'delete',
    deadLetter: false,
    key: 'conversation id',
    description: 'What the platform must do in a conversation: reply, escalate, tag.',
  },
  workflowNotifications: {
    name: 'workflow.notifications',
    schema: WorkflowNotificationSchema,
    cleanupPolicy: 'delete',
    deadLetter: false,
    key: 'tenant id',
    description: "What a tenant's workflow authors must hear about their workflows: endpoint.disabled.",
  },
  conversationSignals: {
    name: 'conversation.signals',
    schema: SignalAppliedSchema,
    cleanupPolicy: 'delete',
    deadLetter: true,
    key: 'conversation id',
    description: 'Signals applied to conversations, for analytics.',
  },
} as const satisfies Record<string, TopicContract>;

/** Each topic whose consumers dead-letter has `<topic>.dlq` beside it: original bytes, reason in headers. */
export function deadLetterTopicOf(topic: string): string {
  return `${topic}.dlq`;
}

function deadLetterContract(topic: TopicContract): TopicContract {
  return {
    name: deadLetterTopicOf(topic.name),
    schema: null,
    cleanupPolicy: 'delete',
    deadLetter: false,
    key: 'the original key',
    description: `Records of ${topic.name} that can never be processed: original bytes, reason in headers.`,
  };
}

/** A topic outside the engine's contracts (benchmarks, tests): bytes, deleted by retention. */
export function uncontractedTopic(name: string): TopicContract {
  return {
    name,
    schema: null,
    cleanupPolicy: 'delete',
    deadLetter: false,
    key: 'any',
    description: 'not part of the engine',
  };
}

const topicList: readonly TopicContract[] = Object.values(Topics);

/** Every topic the engine needs, dead-letter topics included. */
export const ALL_TOPICS: readonly TopicContract[] = [
  ...topicList,
  ...topicList.filter((topic) => topic.deadLetter).map(deadLetterContract),
];
