import type { ConversationEvent, ConversationStateRecord } from '@app/contracts';

/** What trigger-matcher remembers of a conversation (the durable record without its position). */
export type ConversationState = Omit<ConversationStateRecord, 'sourceOffset'>;

/** Messages kept for the transcript handed to workflows; older ones are dropped. */
export const TRANSCRIPT_LIMIT = 50;
/** Firings kept: enough for cooldowns and the per-minute limit of any realistic conversation. */
export const FIRINGS_LIMIT = 100;

export function newConversationState(tenantId: string, conversationId: string): ConversationState {
  return { conversationId, tenantId, transcript: [], failedAnswers: 0, firings: [], memory: {}, ended: false };
}

/** The state after an event: transcript, failed AI answers, contact memory, end of conversation. */
export function recordEvent(state: ConversationState, event: ConversationEvent): ConversationState {
  switch (event.type) {
    case 'conversation.message.created': {
      const { data } = event;
      return {
        ...state,
        transcript: [...state.transcript, { role: data.role, text: data.text, time: event.time }].slice(
          -TRANSCRIPT_LIMIT,
        ),
        failedAnswers: state.failedAnswers + (data.role === 'ai' && data.ai?.answered === false ? 1 : 0),
        memory: data.memory ? applyMemory(state.memory, data.memory) : state.memory,
      };
    }
    case 'contact.memory.updated':
      return { ...state, memory: applyMemory(state.memory, event.data.attributes) };
    case 'conversation.ended':
      return { ...state, ended: true };
  }
}

/** Records that workflows fired, keeping the most recent FIRINGS_LIMIT. */
export function recordFirings(state: ConversationState, workflowIds: readonly string[], at: Date): ConversationState {
  if (workflowIds.length === 0) return state;
  const firings = [...state.firings, ...workflowIds.map((workflowId) => ({ workflowId, at: at.toISOString() }))];
  return { ...state, firings: firings.slice(-FIRINGS_LIMIT) };
}

/** Sets attributes; a null value clears one. */
function applyMemory(memory: Record<string, unknown>, update: Record<string, unknown>): Record<string, unknown> {
  const next = { ...memory };
  for (const [name, value] of Object.entries(update)) {
    if (value === null) delete next[name];
    else next[name] = value;
  }
  return next;
}
