import { Type, type Static } from '@sinclair/typebox';
import { SampleMessageSchema } from '../events/conversation-event.v1';
import { TriggerMatchSchema } from '../events/workflow-trigger.v1';
import { NamedValues, StringEnum } from '../schema-helpers';
import { WorkflowStatusSchema } from '../workflows/workflow.v1';
import { compileValidator } from '../validation';

export const PreviewRequestSchema = Type.Object(
  {
    messages: Type.Array(SampleMessageSchema, {
      minItems: 1,
      maxItems: 200,
      description:
        'One message, or a whole conversation in order, judged as one conversation (failed AI answers add up, firing policies apply) with its messages one second apart.',
    }),
    ended: Type.Optional(
      Type.Boolean({
        description: 'The conversation ends after the last message, so conversation_end workflows are judged.',
      }),
    ),
    memory: Type.Optional(
      NamedValues(Type.Unknown(), {
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

/** Why one workflow would or would not fire on one message (or the end of the conversation). */
export const WorkflowPreviewSchema = Type.Object({
  workflowId: Type.String({ format: 'uuid' }),
  name: Type.String(),
  status: WorkflowStatusSchema,
  outcome: StringEnum([
    'fired',
    'held_back',
    'not_applicable',
    'below_threshold',
    'conditions_false',
    'outranked',
    'disabled',
  ]),
  reason: Type.Optional(
    StringEnum(['already_fired', 'cooling_down', 'rate_limited', 'caused_by_itself', 'outranked'], {
      description:
        'With outcome held_back, why the firing policy held back a workflow whose trigger fired: already_fired (once per conversation, and it fired before), cooling_down (its cooldown is running), rate_limited (the conversation reached the per-minute limit), caused_by_itself (its own action caused the event), outranked (a closer intent workflow fires).',
    }),
  ),
  match: Type.Union([TriggerMatchSchema, Type.Null()], {
    description: "The trigger's score and threshold (and best phrase); null when the trigger does not apply.",
  }),
  conditions: Type.Union(
    [
      Type.Object({
        result: Type.Boolean(),
        comparisons: Type.Array(
          Type.Object({
            pointer: Type.String({
              description:
                "Where the comparison sits in the trigger's conditions (a JSON pointer, e.g. /of/1/of: under the second operand, a not): a false comparison under a not made the condition true.",
            }),
            op: Type.String(),
            attribute: Type.String(),
            expected: Type.Optional(Type.Unknown()),
            actual: Type.Optional(
              Type.Unknown({
                description: "The contact memory's value; absent when the memory has no such attribute.",
              }),
            ),
            result: Type.Boolean(),
          }),
        ),
      }),
      Type.Null(),
    ],
    { description: 'Each comparison of the conditions with the actual memory value; null without conditions.' },
  ),
});
export type WorkflowPreview = Static<typeof WorkflowPreviewSchema>;

export const PreviewResponseSchema = Type.Object({
  results: Type.Array(
    Type.Object({
      index: Type.Integer({ description: "The message's index; the number of messages for the end." }),
      event: StringEnum(['message', 'end'], {
        description: 'A message of the request, or the end of the conversation (with `ended`), which comes last.',
      }),
      text: Type.Optional(Type.String({ description: "The message's text; absent for the end." })),
      fired: Type.Array(Type.String({ format: 'uuid' }), {
        description:
          'Workflows that would fire, firing policies included, in the order they fire (priority, then score). Nothing is executed.',
      }),
      unsure: Type.Optional(
        Type.Array(Type.String({ format: 'uuid' }), {
          description:
            'Present when intent matching is unsure of the message (DECISION_PROVIDER_UNSURE_MARGIN): with a decision provider configured, trigger-matcher would offer it these intent workflows, closest first, and fire what it chooses instead of the intent workflows in `fired`.',
        }),
      ),
      workflows: Type.Array(WorkflowPreviewSchema),
    }),
  ),
});
export type PreviewResponse = Static<typeof PreviewResponseSchema>;
