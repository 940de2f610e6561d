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

export interface WorkflowTestReport {
  workflowId: string;
  version: number;
  passed: number;
  failed: number;
  cases: {
    index: number;
    name?: string;
    expect: 'fire' | 'no_fire';
    passed: boolean;
    /** Index of the first message it fired on, or null. */
    firedOnMessage: number | null;
    /** Per message: fired, not_applicable, below_threshold or conditions_false. */
    outcomes: string[];
  }[];
}
