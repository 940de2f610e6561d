import { Type, type Static } from '@sinclair/typebox';
import { Timestamp } from '../schema-helpers';
import { TriggerMatchSchema } from '../events/workflow-trigger.v1';
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

export const BacktestExampleSchema = Type.Object({
  conversationId: Type.String(),
  at: Timestamp('When it would have fired: the event’s time, or for a no_reply timer the instant it fell due.'),
  messageId: Type.Optional(Type.String({ description: 'Absent for no_reply timers and conversation_end.' })),
  text: Type.Optional(Type.String({ description: 'The message it would have fired on.' })),
  match: TriggerMatchSchema,
});
export type BacktestExample = Static<typeof BacktestExampleSchema>;

export const BacktestResponseSchema = Type.Object({
  conversations: Type.Integer({ minimum: 0, description: 'Conversations replayed.' }),
  messages: Type.Integer({ minimum: 0, description: 'Messages in them.' }),
  fired: Type.Object(
    { conversations: Type.Integer({ minimum: 0 }), times: Type.Integer({ minimum: 0 }) },
    { description: 'Conversations in which the workflow would have fired at least once, and the firings in all.' },
  ),
  rate: Type.Number({ description: 'fired.conversations ÷ conversations (0 when none).' }),
  examples: Type.Array(BacktestExampleSchema),
});
export type BacktestResponse = Static<typeof BacktestResponseSchema>;
