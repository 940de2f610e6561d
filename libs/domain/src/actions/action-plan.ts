import type {
  Action,
  ActionType,
  ContactField,
  ConversationAction,
  ConversationEvent,
  RichMessage,
  SignalApplied,
  WorkflowDefinition,
  WorkflowTriggered,
} from '@app/contracts';
import { missingContactFields } from '../conversations/contact-requests';
import { deterministicId, standInContactId } from '../ids/deterministic-id';
import { renderPayloadTemplate, renderTemplate } from './template';

/** Where an outbound action POSTs, and in which body shape. */
export interface DeliveryTarget {
  url: string;
  headers: Readonly<Record<string, string>>;
  /**
   * `standard`: the documented `{type, timestamp, data}` payload; `flat`: one level of snake_case
   * keys (Zapier, Make); `{custom}`: the workflow's payload template, rendered.
   */
  payload: 'standard' | 'flat' | { custom: unknown };
}

/**
 * What an execution does at once, inside the trigger's Kafka transaction (exactly once): the
 * instructions for the platform, signals, contact-memory events; and whether an HTTP delivery
 * follows through the durable schedule.
 */
export interface ActionPlan {
  instructions: ConversationAction[];
  signals: SignalApplied[];
  /** Published to conversation.events in this order (same key: the clear lands before the update). */
  memoryEvents: ConversationEvent[];
  delivery: DeliveryTarget | null;
}

export interface PlanInput {
  definition: WorkflowDefinition;
  trigger: WorkflowTriggered;
  executionId: string;
  now: Date;
}

type Planner<T extends ActionType> = (action: Extract<Action, { type: T }>, input: PlanInput) => ActionPlan;

const nothing: ActionPlan = { instructions: [], signals: [], memoryEvents: [], delivery: null };

/** One planner per action type: the compiler refuses a missing one. */
const PLANNERS: { [T in ActionType]: Planner<T> } = {
  webhook: (action, input) => ({
    ...nothing,
    delivery: {
      url: action.url,
      headers: action.headers ?? {},
      payload: action.payloadTemplate
        ? { custom: renderPayloadTemplate(action.payloadTemplate, templateContext(input)) }
        : 'standard',
    },
  }),
  zapier: (action) => ({ ...nothing, delivery: { url: action.url, headers: {}, payload: 'flat' } }),
  make: (action) => ({ ...nothing, delivery: { url: action.url, headers: {}, payload: 'flat' } }),
  reply: (action, input) => ({ ...nothing, instructions: listOf(replyInstruction(action.message, 'reply', input)) }),
  tag: (action, input) => ({
    ...nothing,
    instructions: [{ ...instructionBase(input, 'tag'), type: 'tag', signals: action.signals }],
    signals: action.signals.map((signal, index) => ({
      signalId: deterministicId(input.executionId, 'signal', String(index)),
      tenantId: input.trigger.tenantId,
      conversationId: input.trigger.conversationId,
      name: signal.name,
      ...(signal.value !== undefined ? { value: signal.value } : {}),
      workflowId: input.definition.id,
      time: input.trigger.event.time,
      ...(input.trigger.preview ? { preview: true } : {}),
    })),
  }),
  escalate: (action, input) => {
    const { trigger } = input;
    const { requireContact } = action;
    // Asking for contact details and waiting: trigger-matcher fires the workflow again to hand off.
    if (trigger.contactRequest?.stage === 'ask') {
      const asked = trigger.contactRequest.fields;
      return { ...nothing, instructions: requireContact ? [contactQuestion(requireContact.prompt, asked, input)] : [] };
    }
    const missing = missingContactFields(trigger.contact, requireContact?.fields ?? []);
    const handOff: ConversationAction = {
      ...instructionBase(input, 'escalate'),
      type: 'escalate',
      reason: action.reason
        ? renderTemplate(action.reason, templateContext(input)).slice(0, 1000)
        : describeTrigger(trigger).slice(0, 1000),
      transcript: trigger.transcript ?? [],
      context: {
        trigger: trigger.match,
        ...(trigger.message ? { message: { role: trigger.message.role, text: trigger.message.text } } : {}),
        ...(trigger.ai ? { ai: trigger.ai } : {}),
        ...(trigger.memory ? { memory: trigger.memory } : {}),
      },
      ...(trigger.contact ? { contact: trigger.contact } : {}),
      ...(missing.length > 0 ? { missingContactFields: missing } : {}),
    };
    // Asked first, unless the hand-off follows an ask (contactRequest: hand_off) or the
    // conversation is over (nobody would answer): the request reaches the platform before the
    // hand-off, on the same partition.
    const ask =
      requireContact && missing.length > 0 && !trigger.contactRequest && !trigger.conversationEnded
        ? [contactQuestion(requireContact.prompt, missing, input)]
        : [];
    return {
      ...nothing,
      instructions: [...ask, handOff],
      delivery: action.notifyUrl ? { url: action.notifyUrl, headers: {}, payload: 'standard' } : null,
    };
  },
  update_memory: (action, input) => {
    const { trigger } = input;
    const attributes: Record<string, unknown> = { ...action.set };
    for (const name of action.clear ?? []) attributes[name] = null;
    // Never dated before the event that fired the workflow: memory is ordered by event time, and the
    // platform's clock (the event's) may run ahead of this one.
    const time = new Date(Math.max(input.now.getTime(), Date.parse(trigger.event.time))).toISOString();
    const envelope = {
      specversion: '1.0',
      source: `/agent-workflows/workflows/${input.definition.id}`,
      time,
      subject: trigger.conversationId,
      tenantid: trigger.tenantId,
      datacontenttype: 'application/json',
    } as const;
    const contact = trigger.contact ?? { id: standInContactId(trigger.conversationId) };
    const causedBy = { workflowId: input.definition.id, executionId: input.executionId };
    // Deterministic ids: ingest's de-duplication keeps each exactly once.
    const forget: ConversationEvent[] = action.forgetContact
      ? [
          {
            ...envelope,
            id: deterministicId(input.executionId, 'forget'),
            type: 'contact.memory.cleared',
            // The id alone: the event's contract takes no contact details.
            data: { contact: { id: contact.id }, causedBy },
          },
        ]
      : [];
    const update: ConversationEvent[] =
      Object.keys(attributes).length > 0
        ? [
            {
              ...envelope,
              id: deterministicId(input.executionId, 'memory'),
              type: 'contact.memory.updated',
              // The id alone: the contact's details are the conversation's, not for the event log.
              data: { contact: { id: contact.id }, attributes, causedBy },
            },
          ]
        : [];
    return { ...nothing, memoryEvents: [...forget, ...update] };
  },
};

export function planAction(input: PlanInput): ActionPlan {
  const { action } = input.definition;
  return (PLANNERS[action.type] as Planner<typeof action.type>)(action, input);
}

/** The URL an action delivers to: a webhook's, Zapier's or Make's hook, an escalation's team webhook; none for the others. */
export function endpointUrlOf(action: Action): string | undefined {
  switch (action.type) {
    case 'webhook':
    case 'zapier':
    case 'make':
      return action.url;
    case 'escalate':
      return action.notifyUrl;
    default:
      return undefined;
  }
}

/**
 * A URL's origin (scheme, host and port), or undefined when it cannot be parsed (a URL saved
 * before URLs were checked as strictly). The origin names an endpoint without its path or query,
 * which often are its secret (Zapier's and Make's hooks).
 */
export function originOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/** The values `{{variables}}` may refer to. */
export function templateContext(input: Pick<PlanInput, 'trigger' | 'definition'>, response?: unknown) {
  const { trigger, definition } = input;
  return {
    contact: trigger.contact ?? {},
    memory: trigger.memory ?? {},
    conversation: { id: trigger.conversationId, message: trigger.message ?? {}, transcript: trigger.transcript ?? [] },
    trigger: { ...trigger.match, event: trigger.event },
    ai: trigger.ai ?? {},
    workflow: { id: definition.id, name: definition.name, version: definition.version },
    ...(response !== undefined ? { response } : {}),
  };
}

/**
 * A reply instruction with its `{{variables}}` rendered; null when the text comes out blank (every
 * variable of it empty): the contact is never shown the template itself.
 */
export function replyInstruction(
  message: RichMessage,
  purpose: 'reply' | 'response' | 'fallback' | 'contact_request',
  input: Pick<PlanInput, 'trigger' | 'definition' | 'executionId' | 'now'>,
  response?: unknown,
): ConversationAction | null {
  const context = templateContext(input, response);
  const text = renderTemplate(message.text, context).slice(0, 4000);
  if (text.trim().length === 0) return null;
  return {
    ...instructionBase(input, purpose),
    type: 'reply',
    purpose,
    text,
    ...(message.links ? { links: message.links } : {}),
    ...(message.quickReplies
      ? { quickReplies: message.quickReplies.map(({ label, value }) => ({ label, value: value ?? label })) }
      : {}),
  };
}

/**
 * The question for the contact's missing details. A prompt whose variables all came out empty
 * still asks, in plain words, for the `missing` fields, since the hand-off waits for the answer.
 */
function contactQuestion(prompt: RichMessage, missing: readonly ContactField[], input: PlanInput): ConversationAction {
  const asked = missing.map((field) => (field === 'email' ? 'email address' : 'phone number')).join(' and ');
  const plain = `Could you share your ${asked}, so that a colleague can get back to you?`;
  return (
    replyInstruction(prompt, 'contact_request', input) ??
    replyInstruction({ ...prompt, text: plain }, 'contact_request', input)!
  );
}

function listOf<T>(item: T | null): T[] {
  return item === null ? [] : [item];
}

function instructionBase(input: Pick<PlanInput, 'trigger' | 'definition' | 'executionId' | 'now'>, kind: string) {
  return {
    actionId: deterministicId(input.executionId, kind),
    tenantId: input.trigger.tenantId,
    conversationId: input.trigger.conversationId,
    workflowId: input.definition.id,
    executionId: input.executionId,
    createdAt: input.now.toISOString(),
  };
}

function describeTrigger(trigger: WorkflowTriggered): string {
  const { match } = trigger;
  if (match.phrase) return `${trigger.workflow.name}: the contact said something like "${match.phrase}"`;
  return `${trigger.workflow.name}: ${match.detail ?? match.type}`;
}

/** The flat JSON that Zapier and Make map most easily: one level, snake_case, no arrays of objects. */
export function flatPayload(
  trigger: WorkflowTriggered,
  executionId: string,
): Record<string, string | number | boolean> {
  const entries: [string, string | number | boolean | undefined][] = [
    ['execution_id', executionId],
    ['tenant_id', trigger.tenantId],
    ['workflow_id', trigger.workflow.id],
    ['workflow_name', trigger.workflow.name],
    ['conversation_id', trigger.conversationId],
    ['trigger_type', trigger.match.type],
    ['trigger_phrase', trigger.match.phrase],
    ['trigger_detail', trigger.match.detail],
    ['trigger_score', trigger.match.score],
    ['fired_at', trigger.firedAt],
    ['event_id', trigger.event.id],
    ['event_time', trigger.event.time],
    ['message_text', trigger.message?.text],
    ['message_role', trigger.message?.role],
    ['contact_id', trigger.contact?.id],
    ['contact_name', trigger.contact?.name],
    ['contact_email', trigger.contact?.email],
    ['contact_phone', trigger.contact?.phone],
    ['ai_intent', trigger.ai?.intent],
    ['ai_confidence', trigger.ai?.confidence],
    ['ai_answered', trigger.ai?.answered],
    ['transcript', trigger.transcript?.map((entry) => `${entry.role}: ${entry.text}`).join('\n')],
    // Memory attributes that are plain values, one field each (`previousIssues` → `memory_previous_issues`).
    ...Object.entries(trigger.memory ?? {})
      .filter((entry): entry is [string, string | number | boolean] =>
        ['string', 'number', 'boolean'].includes(typeof entry[1]),
      )
      .map(([name, value]): [string, string | number | boolean] => [`memory_${snakeCase(name)}`, value]),
  ];
  return Object.fromEntries(
    entries.filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined),
  );
}

function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toLowerCase();
}
