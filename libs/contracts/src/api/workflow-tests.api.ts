import { Type, type Static } from '@sinclair/typebox';
import { SampleMessageSchema } from '../events/conversation-event.v1';
import { NamedValues, StringEnum } from '../schema-helpers';
import { compileValidator } from '../validation';

/**
 * One saved test of a workflow: a conversation (one or more messages, optionally its end) and
 * whether it must fire. The messages are judged in order as one conversation.
 */
export const WorkflowTestCaseSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    messages: Type.Array(SampleMessageSchema, { minItems: 1, maxItems: 50 }),
    memory: Type.Optional(NamedValues(Type.Unknown())),
    ended: Type.Optional(
      Type.Boolean({
        description: 'The conversation ends after the last message, so conversation_end workflows are judged.',
      }),
    ),
    expect: StringEnum(['fire', 'no_fire'], {
      description: 'fire: on at least one message or the end, the firing policy included; no_fire: on none.',
    }),
  },
  { additionalProperties: false },
);
export type WorkflowTestCase = Static<typeof WorkflowTestCaseSchema>;

export const PutWorkflowTestsRequestSchema = Type.Object(
  { cases: Type.Array(WorkflowTestCaseSchema, { minItems: 1, maxItems: 500 }) },
  { additionalProperties: false },
);
export type PutWorkflowTestsRequest = Static<typeof PutWorkflowTestsRequestSchema>;
export const putWorkflowTestsRequestValidator = compileValidator(PutWorkflowTestsRequestSchema);

export const WorkflowTestCasesViewSchema = Type.Object({ cases: Type.Array(WorkflowTestCaseSchema) });

export const WorkflowTestReportSchema = Type.Object({
  workflowId: Type.String({ format: 'uuid' }),
  version: Type.Integer(),
  passed: Type.Integer(),
  failed: Type.Integer(),
  cases: Type.Array(
    Type.Object({
      index: Type.Integer(),
      name: Type.Optional(Type.String()),
      expect: StringEnum(['fire', 'no_fire']),
      passed: Type.Boolean(),
      firedOnMessage: Type.Union([Type.Integer(), Type.Null()], {
        description:
          'Index of the first message it fired on (the number of messages: on the end of the conversation), or null.',
      }),
      outcomes: Type.Array(Type.String(), {
        description:
          'Per message, then for the end when the case ends the conversation: fired, held_back (its trigger fired but its firing policy held it back), not_applicable, below_threshold or conditions_false.',
      }),
    }),
  ),
});
export type WorkflowTestReport = Static<typeof WorkflowTestReportSchema>;
