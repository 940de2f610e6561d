import { Type, type Static } from '@sinclair/typebox';
import { SampleMessageSchema } from '../events/conversation-event.v1';
import { StringEnum } from '../schema-helpers';
import { compileValidator } from '../validation';

/** One saved test of a workflow: a conversation (one or more messages) and whether it must fire. */
export const WorkflowTestCaseSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    messages: Type.Array(SampleMessageSchema, { minItems: 1, maxItems: 50 }),
    memory: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 128 }), Type.Unknown())),
    expect: StringEnum(['fire', 'no_fire'], { description: 'fire: on at least one message; no_fire: on none.' }),
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
        description: 'Index of the first message it fired on, or null.',
      }),
      outcomes: Type.Array(Type.String(), {
        description: 'Per message: fired, not_applicable, below_threshold or conditions_false.',
      }),
    }),
  ),
});
export type WorkflowTestReport = Static<typeof WorkflowTestReportSchema>;
