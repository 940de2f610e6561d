import { findPhoneNumbersInText, type CountryCode } from 'libphonenumber-js';
import type {
  Contact,
  ContactField,
  ContactRequest,
  ConversationEvent,
  WorkflowDefinition,
  WorkflowTriggered,
} from '@app/contracts';
import { standInContactId } from '../ids/deterministic-id';
import { isSameContact, withDetails, type ConversationState } from './conversation-state';

/** How long an escalation waits for the contact details it asked for, unless the workflow says otherwise. */
export const DEFAULT_CONTACT_WAIT_SECONDS = 300;

/** An escalation waiting for the contact's details, with what fired it (kept for the hand-off). */
export type PendingContactRequest = NonNullable<ConversationState['contactRequests']>[number];

export type ContactAsk = Extract<ContactRequest, { stage: 'ask' }>;

/**
 * An escalation whose wait is over: its hand-off goes out now, with the request's contact (what
 * fired the escalation, and what the contact told since).
 */
export interface DueHandOff {
  request: PendingContactRequest;
  outcome: Extract<ContactRequest, { stage: 'hand_off' }>['outcome'];
}

export function missingContactFields(contact: Contact | undefined, fields: readonly ContactField[]): ContactField[] {
  return fields.filter((field) => !contact?.[field]);
}

/**
 * Whether the workflow, firing now for this contact, asks for their details and waits for the
 * answer before handing off: an escalation with `requireContact`, a wait above zero, a field the
 * contact lacks, and a conversation that has not ended (nobody would answer). Null: it fires as
 * usual (an escalation then hands off at once).
 */
export function contactAskOf(
  definition: WorkflowDefinition,
  contact: Contact | undefined,
  state: Pick<ConversationState, 'ended'>,
  now: Date,
): ContactAsk | null {
  const { action } = definition;
  if (action.type !== 'escalate' || !action.requireContact || state.ended) return null;
  const waitSeconds = action.requireContact.waitSeconds ?? DEFAULT_CONTACT_WAIT_SECONDS;
  const fields = missingContactFields(contact, action.requireContact.fields);
  if (waitSeconds === 0 || fields.length === 0) return null;
  return { stage: 'ask', fields, until: new Date(now.getTime() + waitSeconds * 1000).toISOString() };
}

/**
 * The contact an escalation that requires contact details hands off with: the conversation's
 * (`contact`, with what events gave and what the contact answered earlier escalations), over what
 * the contact told while an earlier ask of the same workflow waited (a partial answer) and what
 * the contact's own message that fired it says of the fields asked for ("I want a human, call me
 * on +44 20 7946 0958"), so that they are not asked for what they already gave. What an event
 * gave wins over what was read from the contact's words. Other workflows get `contact`.
 */
export function escalationContact(
  definition: WorkflowDefinition,
  state: ConversationState,
  contact: Contact | undefined,
  message: { role: string; text: string } | undefined,
): Contact | undefined {
  const { action } = definition;
  if (action.type !== 'escalate' || !action.requireContact) return contact;
  const { fields, phoneRegion } = action.requireContact;
  const pending = state.contactRequests?.find(({ workflowId }) => workflowId === definition.id)?.contact;
  // What another contact, named since, told is not this one's.
  const earlier = pending && isConversationContact(state, pending) ? pending : undefined;
  const told = message?.role === 'contact' ? answerIn(message.text, fields, phoneRegion) : {};
  if (!earlier && !state.contactDetails && Object.keys(told).length === 0) return contact;
  return { id: knownContactId(state), ...state.contactDetails, ...earlier, ...told, ...contact };
}

/**
 * The state with what an escalation requiring contact details now has of the fields it asks for
 * (from the contact's answers and the message that fired it), where the conversation does not know
 * them yet: the contact gave them, so no other escalation asks again. What an event gave wins over
 * what was read from the contact's words, and only the fields asked for are taken (an address the
 * contact mentions in passing is not theirs for the rest of the conversation).
 */
export function withEscalationDetails(
  state: ConversationState,
  definition: WorkflowDefinition,
  contact: Contact | undefined,
): ConversationState {
  const { action } = definition;
  if (action.type !== 'escalate' || !action.requireContact || !contact) return state;
  return withAnswers(state, contact, action.requireContact.fields);
}

function withAnswers(state: ConversationState, contact: Contact, fields: readonly ContactField[]): ConversationState {
  return { ...state, ...withDetails(fieldsOf(contact, fields), state.contactDetails ?? {}) };
}

/** Remembers an asking trigger, so that its hand-off can follow. A workflow waits once: a newer ask replaces an older one. */
export function awaitContact(
  state: ConversationState,
  trigger: WorkflowTriggered,
  ask: ContactAsk,
  definition: WorkflowDefinition,
): ConversationState {
  const phoneRegion = definition.action.type === 'escalate' ? definition.action.requireContact?.phoneRegion : undefined;
  const request: PendingContactRequest = {
    workflowId: trigger.workflow.id,
    triggerId: trigger.triggerId,
    fields: ask.fields,
    ...(phoneRegion ? { phoneRegion } : {}),
    until: ask.until,
    ...(trigger.message ? { message: trigger.message } : {}),
    ...(trigger.ai ? { ai: trigger.ai } : {}),
    match: trigger.match,
    ...(trigger.contact ? { contact: trigger.contact } : {}),
  };
  const others = (state.contactRequests ?? []).filter(({ workflowId }) => workflowId !== request.workflowId);
  return { ...state, contactRequests: [...others, request] };
}

/**
 * The hand-offs an event releases, and the state without them: all of them when the conversation
 * ends; those whose fields are all known once a contact message (its text, or the contact details
 * it carries) or another event's contact details gave them. A partial answer is kept for later.
 */
export function handOffsAfter(
  state: ConversationState,
  event: ConversationEvent,
): { state: ConversationState; handOffs: DueHandOff[] } {
  const requests = state.contactRequests ?? [];
  if (requests.length === 0) return { state, handOffs: [] };
  if (event.type === 'conversation.ended') {
    return { state: withRequests(state, []), handOffs: requests.map((request) => ({ request, outcome: 'ended' })) };
  }
  const said = event.type === 'conversation.message.created' && event.data.role === 'contact' ? event.data.text : '';
  const fromEvent = fieldsOf(event.data.contact);
  const waiting: PendingContactRequest[] = [];
  const handOffs: DueHandOff[] = [];
  let knowing = state;
  for (const request of requests) {
    const told = { ...(said ? answerIn(said, request.fields, request.phoneRegion) : {}), ...fromEvent };
    if (Object.keys(told).length === 0) {
      waiting.push(request);
      continue;
    }
    const contact: Contact = { id: knownContactId(state), ...request.contact, ...told };
    // What the contact answered is theirs for the rest of the conversation: no other escalation asks again.
    knowing = withAnswers(knowing, contact, request.fields);
    const updated = { ...request, contact };
    if (missingContactFields(contact, request.fields).length === 0)
      handOffs.push({ request: updated, outcome: 'answered' });
    else waiting.push(updated);
  }
  return { state: withRequests(knowing, waiting), handOffs };
}

/** The hand-offs whose wait is over at `now` (the fields still missing), and the state without them. */
export function handOffsDue(state: ConversationState, now: Date): { state: ConversationState; handOffs: DueHandOff[] } {
  const requests = state.contactRequests ?? [];
  const due = requests.filter(({ until }) => Date.parse(until) <= now.getTime());
  if (due.length === 0) return { state, handOffs: [] };
  return {
    state: withRequests(
      state,
      requests.filter((request) => !due.includes(request)),
    ),
    handOffs: due.map((request) => ({ request, outcome: 'timed_out' })),
  };
}

/** When the earliest waiting escalation hands off anyway (ms since the epoch), or null when none waits. */
export function contactRequestsDueAt(state: ConversationState): number | null {
  const times = (state.contactRequests ?? []).map(({ until }) => Date.parse(until));
  return times.length > 0 ? Math.min(...times) : null;
}

// An address as HTML's email input accepts it (WHATWG "valid e-mail address"), found within
// text; the parts bounded as RFC 5321 bounds them (64 + 255), which also keeps the search linear.
const EMAIL =
  /[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?){1,8}/;

/**
 * The email address and phone number a message gives, if any: the answer to "what is your email
 * / number?". Phone numbers are found and validated by libphonenumber-js (Google's libphonenumber
 * metadata: dates, IP addresses, prices and most order numbers are no valid numbers), in E.164
 * (+442079460958); one written without its country code is read as from `phoneRegion`, and not
 * recognised without it.
 */
export function contactDetailsIn(text: string, phoneRegion?: string): Pick<Contact, 'email' | 'phone'> {
  const email = EMAIL.exec(text)?.[0];
  const [phone] = findPhoneNumbersInText(text, phoneRegion as CountryCode | undefined);
  return { ...(email ? { email } : {}), ...(phone ? { phone: phone.number.number } : {}) };
}

/** The fields asked for that a contact's message gives: an address mentioned in passing is not an answer. */
function answerIn(
  text: string,
  fields: readonly ContactField[],
  phoneRegion?: string,
): Pick<Contact, 'email' | 'phone'> {
  return fieldsOf(contactDetailsIn(text, phoneRegion), fields);
}

/** The given fields of `details` that have a value. */
function fieldsOf(
  details: Partial<Contact> | undefined,
  fields: readonly ContactField[] = ['email', 'phone'],
): Pick<Contact, ContactField> {
  return Object.fromEntries(fields.flatMap((field) => (details?.[field] ? [[field, details[field]]] : [])));
}

/**
 * The contact the conversation knows, with every detail it knows of them (absent while no event
 * named one): what its triggers name, also on events that name no contact, as platforms often
 * name the contact on a conversation's first event only.
 */
export function conversationContact(state: ConversationState): Contact | undefined {
  return state.contactId === undefined ? undefined : { id: state.contactId, ...state.contactDetails };
}

/**
 * The contact a hand-off names: the one its escalation asked, with what the conversation knows of
 * them now (what the contact answered included); the conversation's own when an event named
 * another contact meanwhile (a stand-in that was asked is the same person, named since).
 */
export function handOffContact(state: ConversationState, request: PendingContactRequest): Contact | undefined {
  const current = conversationContact(state);
  const asked = request.contact;
  if (!asked) return current;
  return isConversationContact(state, asked) ? { ...asked, ...current } : current;
}

/**
 * Whether a contact noted earlier in the conversation is the one it knows now: while it knows
 * none, by the same id, or as its stand-in (the contact named since is that person).
 */
function isConversationContact(state: ConversationState, contact: Contact): boolean {
  return isSameContact(state.conversationId, contact.id, state.contactId);
}

/** The conversation's contact, or, while no event named one, the conversation standing in for them. */
function knownContactId(state: ConversationState): string {
  return state.contactId ?? standInContactId(state.conversationId);
}

function withRequests(state: ConversationState, requests: PendingContactRequest[]): ConversationState {
  const { contactRequests: _replaced, ...rest } = state;
  return requests.length > 0 ? { ...rest, contactRequests: requests } : rest;
}
