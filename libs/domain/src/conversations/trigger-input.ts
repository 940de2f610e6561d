import type { ConversationEvent } from '@app/contracts';
import type { ContactMemory } from '../conditions/evaluate-condition';
import type { TriggerInput } from '../triggers';
import type { ConversationState } from './conversation-state';

/**
 * What triggers see of an event, given the conversation's state after it and the contact's
 * memory; null for events that fire nothing themselves (memory updates and clears).
 */
export function eventInputOf(
  event: ConversationEvent,
  state: ConversationState,
  memory: ContactMemory,
): TriggerInput | null {
  const preview = state.preview;
  switch (event.type) {
    case 'conversation.message.created':
      return {
        message: { role: event.data.role, text: event.data.text },
        ai: event.data.ai,
        memory,
        failedAnswers: state.failedAnswers,
        preview,
      };
    case 'conversation.ended':
      return { conversationEnded: true, memory, failedAnswers: state.failedAnswers, preview };
    case 'contact.memory.updated':
    case 'contact.memory.cleared':
      return null;
  }
}
