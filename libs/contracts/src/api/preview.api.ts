import { Type, type Static } from '@sinclair/typebox';
import { SampleMessageSchema } from '../events/conversation-event.v1';
import type { TriggerMatch } from '../events/workflow-trigger.v1';
import type { WorkflowStatus } from '../workflows/workflow.v1';
import { compileValidator } from '../validation';

export const PreviewRequestSchema = Type.Object(
  {
    messages: Type.Array(SampleMessageSchema, {
      minItems: 1,
      maxItems: 200,
      description: 'One message, or a whole conversation in order.',
    }),
    memory: Type.Optional(
      Type.Record(Type.String({ minLength: 1, maxLength: 128 }), Type.Unknown(), {
        description: 'The contact memory to evaluate conditions against.',
      }),
    ),
    workflowIds: Type.Optional(
      Type.Array(Type.String({ format: 'uuid' }), { minItems: 1, maxItems: 500, description: 'Only these workflows.' }),
    ),
    preview: Type.Optional(
      Type.Boolean({ description: 'Evaluate as a preview conversation, where draft workflows run too.' }),
    ),
  },
  { additionalProperties: false },
);
export type PreviewRequest = Static<typeof PreviewRequestSchema>;
export const previewRequestValidator = compileValidator(PreviewRequestSchema);

/** Why one workflow would or would not fire on one message. */
export interface WorkflowPreview {
  workflowId: string;
  name: string;
  status: WorkflowStatus;
  outcome: 'fired' | 'not_applicable' | 'below_threshold' | 'conditions_false' | 'outranked' | 'disabled';
  /** The trigger's score and threshold (and best phrase); null when the trigger does not apply. */
  match: TriggerMatch | null;
  /** Each comparison of the conditions with the actual memory value; null without conditions. */
  conditions: {
    result: boolean;
    comparisons: { op: string; attribute: string; expected?: unknown; actual: unknown; result: boolean }[];
  } | null;
}

export interface PreviewResponse {
  results: {
    index: number;
    text: string;
    /** Workflows that would fire, best first. Nothing is executed. */
    fired: string[];
    workflows: WorkflowPreview[];
  }[];
}
