import type { Contact, ConversationEvent, ConversationStateRecord } from '@app/contracts';
import { standInContactId } from '../ids/deterministic-id';

/** What trigger-matcher remembers of a conversation (the durable record without its revision). */
export type ConversationState = Omit<ConversationStateRecord, 'revision'>;

/** Messages kept for the transcript handed to workflows; older ones are dropped. */
export const TRANSCRIPT_LIMIT = 50;
/**
 * Characters of text the transcript keeps at most, older messages dropped first (the newest is
 * always kept: a message has at most 20,000). The transcript travels in the state record and in
 * every trigger; unbounded, 50 long messages would make records Kafka refuses (1 MB), and a batch
 * that can never commit would stop its partition.
 */
export const TRANSCRIPT_MAX_CHARS = 50_000;
/** The window of the per-minute firing limit (loop protection), over which every firing is kept. */
const FIRING_LIMIT_WINDOW_MS = 60_000;

export function newConversationState(tenantId: string, conversationId: string, at: string): ConversationState {
  return {
    conversationId,
    tenantId,
    lastEventAt: at,
    transcript: [],
    failedAnswers: 0,
    firings: [],
    memory: {},
    ended: false,
  };
}

/**
 * The state after an event: transcript, failed AI answers, contact memory, who the conversation
 * waits for (no_reply timers), the contact, the preview flag, end of conversation. `processedAt`
 * (live processing; previews and backtests judge on event time alone): idle expiry counts from the
 * later of it and the event's time, so that an event delivered late (a platform's retry queue, a
 * backlog) does not find its state already expired, and a late event after it starts nothing afresh.
 */
export function recordEvent(state: ConversationState, event: ConversationEvent, processedAt?: Date): ConversationState {
  const seen = {
    ...withContact(state, event.data.contact),
    lastEventAt: processedAt && processedAt.getTime() > Date.parse(event.time) ? processedAt.toISOString() : event.time,
    ...(state.preview || event.data.preview ? { preview: true } : {}),
  };
  switch (event.type) {
    case 'conversation.message.created': {
      const { data } = event;
      return {
        ...seen,
        transcript: recentTranscript([...state.transcript, { role: data.role, text: data.text, time: event.time }]),
        failedAnswers: state.failedAnswers + (isFailedAnswer(data) ? 1 : 0),
        ...(data.memory ? learnMemory(seen, data.memory, event.time) : {}),
        // Nobody waits for a reply in a conversation that ended (a closing message starts no wait).
        ...(state.ended
          ? {}
          : { waiting: waitingAfter(state.waiting, data.role === 'contact' ? 'agent' : 'contact', event.time) }),
      };
    }
    case 'contact.memory.updated':
      return { ...seen, ...learnMemory(seen, event.data.attributes, event.time) };
    case 'contact.memory.cleared': {
      // An erasure request: the conversation stops naming the contact's details too, also in the
      // escalations waiting for an answer (they hand off with the contact's id, and what comes since).
      const { contactDetails: _forgotten, contactRequests, ...rest } = seen;
      const waiting = contactRequests?.map(({ contact, ...request }) => ({
        ...request,
        ...(contact ? { contact: { id: contact.id } } : {}),
      }));
      return { ...rest, ...(waiting ? { contactRequests: waiting } : {}), ...memoryLearntSince(seen, event.time) };
    }
    case 'conversation.ended': {
      const { waiting: _cancelled, ...ended } = seen;
      return { ...ended, ended: true };
    }
  }
}

/**
 * The state knowing the contact an event names: their id, and their details merged over what the
 * conversation knew of them, field by field (platforms often send the details once, or one at a
 * time). Details and the memory the conversation learnt belong to one contact: another contact
 * named starts afresh, except after the conversation's stand-in (an update_memory action's, before
 * any event named the contact), which was the same person. An empty value is no detail.
 */
function withContact(state: ConversationState, named: Contact | undefined): ConversationState {
  if (!named) return state;
  const { id: _named, ...details } = named;
  const id = contactIdNamed(state, named);
  const { contactDetails: known, ...rest } = state;
  if (!namesAnotherContact(state, named)) return { ...rest, contactId: id, ...withDetails(known, details) };
  // What the conversation learnt about the earlier contact is theirs: the new one's conditions,
  // payloads and clears must not see it.
  const { memoryLearntAt: _earlier, ...others } = rest;
  return { ...others, memory: {}, contactId: id, ...withDetails(undefined, details) };
}

/**
 * The contact an event names, for this conversation. The conversation's stand-in named after the
 * contact is that contact: an update_memory action of a workflow that fired before the contact was
 * named speaks for the stand-in, and its event may come back after a message named them.
 */
export function contactIdNamed(state: ConversationState, named: Contact): string {
  return named.id === standInContactId(state.conversationId) && state.contactId !== undefined
    ? state.contactId
    : named.id;
}

/** Whether an event names a contact other than the one the conversation knows (whose memory it then forgets). */
export function namesAnotherContact(state: ConversationState, named: Contact | undefined): boolean {
  return named !== undefined && !isSameContact(state.conversationId, state.contactId, contactIdNamed(state, named));
}

/**
 * Whether a contact id a conversation noted earlier and one it knows later are the same person:
 * the same id, or the earlier one the conversation's stand-in (the contact named since is who it
 * stood for); an id not known on either side counts as the same.
 */
export function isSameContact(conversationId: string, earlier: string | undefined, later: string | undefined): boolean {
  return (
    earlier === undefined || later === undefined || earlier === later || earlier === standInContactId(conversationId)
  );
}

/** `contactDetails` with the given ones over the known ones; absent when there are none. */
export function withDetails(
  known: ConversationState['contactDetails'],
  given: Omit<Contact, 'id'>,
): Pick<ConversationState, 'contactDetails'> {
  const contactDetails = { ...known, ...Object.fromEntries(Object.entries(given).filter(([, value]) => value)) };
  return Object.keys(contactDetails).length > 0 ? { contactDetails } : {};
}

/** The newest entries within TRANSCRIPT_LIMIT messages and TRANSCRIPT_MAX_CHARS characters; the newest one always. */
function recentTranscript(transcript: ConversationState['transcript']): ConversationState['transcript'] {
  let start = transcript.length - 1;
  let chars = transcript[start]?.text.length ?? 0;
  while (start > 0 && transcript.length - start < TRANSCRIPT_LIMIT) {
    const older = transcript[start - 1]!.text.length;
    if (chars + older > TRANSCRIPT_MAX_CHARS) break;
    chars += older;
    start -= 1;
  }
  return transcript.slice(start);
}

/** The attribute changes an event teaches about its contact (null clears one); empty if none. */
export function memoryChangesOf(event: ConversationEvent): Record<string, unknown> {
  switch (event.type) {
    case 'conversation.message.created':
      return event.data.memory ?? {};
    case 'contact.memory.updated':
      return event.data.attributes;
    case 'conversation.ended':
    case 'contact.memory.cleared':
      return {};
  }
}

/** The event without the memory changes it carries (refused, see MAX_MEMORY_CHARS); the rest stands. */
export function withoutMemoryChanges(event: ConversationEvent): ConversationEvent {
  switch (event.type) {
    case 'conversation.message.created': {
      const { memory: _refused, ...data } = event.data;
      return { ...event, data };
    }
    case 'contact.memory.updated':
      return { ...event, data: { ...event.data, attributes: {} } };
    case 'conversation.ended':
    case 'contact.memory.cleared':
      return event;
  }
}

/**
 * A message from one side makes the conversation wait for the other. The wait keeps its start
 * while the same side goes on writing (timers count from the first unanswered message); a reply
 * from the awaited side starts a new wait the other way, which cancels the pending timers.
 */
function waitingAfter(
  current: ConversationState['waiting'],
  waitFor: 'contact' | 'agent',
  time: string,
): NonNullable<ConversationState['waiting']> {
  return current?.for === waitFor ? current : { for: waitFor, since: time, handled: [] };
}

/**
 * Records that workflows fired. Kept: each workflow's last firing, however old (once per
 * conversation and cooldowns look at it), and every firing of the last minute (the per-minute
 * limit counts them); so the record grows with the workflows that fired, not with the firings.
 */
export function recordFirings(state: ConversationState, workflowIds: readonly string[], at: Date): ConversationState {
  if (workflowIds.length === 0) return state;
  const firings = [...state.firings, ...workflowIds.map((workflowId) => ({ workflowId, at: at.toISOString() }))];
  const lastOf = new Map(firings.map((firing, index) => [firing.workflowId, index]));
  const windowStart = at.getTime() - FIRING_LIMIT_WINDOW_MS;
  return {
    ...state,
    firings: firings.filter(
      (firing, index) => lastOf.get(firing.workflowId) === index || Date.parse(firing.at) > windowStart,
    ),
  };
}

/** The conversation's memory with an update learnt at `at` (a null value clears an attribute), and when each was learnt. */
function learnMemory(
  state: ConversationState,
  update: Record<string, unknown>,
  at: string,
): Pick<ConversationState, 'memory' | 'memoryLearntAt'> {
  const learntAt = { ...state.memoryLearntAt };
  for (const [name, value] of Object.entries(update)) {
    if (value === null) delete learntAt[name];
    else learntAt[name] = at;
  }
  return { memory: applyMemory(state.memory, update), memoryLearntAt: learntAt };
}

/**
 * The conversation's own memory without what its contact's clear at `clearedAt` forgot: only the
 * attributes it learnt from events no older than the clear, with their times.
 */
export function memoryLearntSince(
  state: ConversationState,
  clearedAt: string,
): Pick<ConversationState, 'memory' | 'memoryLearntAt'> {
  // An attribute without a time (a state written before times were noted) counts as learnt before any clear.
  const kept = Object.entries(state.memoryLearntAt ?? {}).filter(
    ([name, learnt]) => Object.hasOwn(state.memory, name) && !isForgottenBy(learnt, clearedAt),
  );
  return {
    memory: Object.fromEntries(kept.map(([name]) => [name, state.memory[name]])),
    memoryLearntAt: Object.fromEntries(kept),
  };
}

/** Whether what an event at `at` taught was forgotten by a clear of the contact at `clearedAt` (learnt before it). */
export function isForgottenBy(at: string, clearedAt: string | undefined): boolean {
  return clearedAt !== undefined && Date.parse(at) < Date.parse(clearedAt);
}

/** Sets attributes; a null value clears one. */
export function applyMemory(memory: Record<string, unknown>, update: Record<string, unknown>): Record<string, unknown> {
  const next = { ...memory };
  for (const [name, value] of Object.entries(update)) {
    if (value === null) delete next[name];
    else next[name] = value;
  }
  return next;
}

/** An AI message the platform's AI could not answer: what `failed_answers` triggers count. */
export function isFailedAnswer(message: { role: string; ai?: { answered?: boolean } }): boolean {
  return message.role === 'ai' && message.ai?.answered === false;
}
