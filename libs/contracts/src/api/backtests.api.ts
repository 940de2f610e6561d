import { Type, type Static } from '@sinclair/typebox';
import { Timestamp } from '../schema-helpers';
import type { TriggerMatch } from '../events/workflow-trigger.v1';
import { compileValidator } from '../validation';
import { CreateWorkflowRequestSchema } from './workflows.api';

/** Most conversations one backtest replays. */
export const MAX_BACKTEST_CONVERSATIONS = 10_000;

export const BacktestRequestSchema = Type.Object(
  {
    // The workflow to try, in the shape of POST /v1/workflows; judged as if it were enabled.
    workflow: CreateWorkflowRequestSchema,
    since: Type.Optional(Timestamp('Only events at or after this time; default: all that history keeps.')),
    until: Type.Optional(Timestamp('Only events before this time; default: now.')),
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_BACKTEST_CONVERSATIONS,
        description: 'Most recent conversations replayed; default 1000.',
      }),
    ),
    examples: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 100, description: 'Firings returned as examples; default 5.' }),
    ),
  },
  { additionalProperties: false },
);
export type BacktestRequest = Static<typeof BacktestRequestSchema>;
export const backtestRequestValidator = compileValidator(BacktestRequestSchema);

export interface BacktestExample {
  conversationId: string;
  /** When it would have fired: the event's time, or for a no_reply timer the instant it fell due. */
  at: string;
  /** The message it would have fired on; absent for no_reply timers and conversation_end. */
  messageId?: string;
  text?: string;
  match: TriggerMatch;
}

export interface BacktestResponse {
  /** Conversations replayed, and the messages in them. */
  conversations: number;
  messages: number;
  /** Conversations in which the workflow would have fired at least once, and the firings in all. */
  fired: { conversations: number; times: number };
  /** fired.conversations ÷ conversations (0 when none). */
  rate: number;
  examples: BacktestExample[];
}
