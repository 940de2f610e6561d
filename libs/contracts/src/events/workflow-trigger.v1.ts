import { Type, type Static } from '@sinclair/typebox';
import { Id, TenantId, Timestamp } from '../schema-helpers';
import { compileValidator } from '../validation';
import { WorkflowRefSchema } from '../workflows/workflow.v1';
import { AiAnnotationsSchema, ContactSchema } from './conversation-event.v1';

/** Why a workflow fired: enough to explain the decision to an author. */
export const TriggerMatchSchema = Type.Object(
  {
    type: Type.Literal('intent'),
    phrase: Type.String({ description: 'The example phrase that matched best.' }),
    score: Type.Number({ minimum: 0, maximum: 1 }),
    threshold: Type.Number({ minimum: 0, maximum: 1 }),
  },
  { additionalProperties: false },
);
export type TriggerMatch = Static<typeof TriggerMatchSchema>;

/** `workflow.triggers` (key = conversation id): trigger-matcher decided that a workflow fires. */
export const WorkflowTriggeredSchema = Type.Object(
  {
    triggerId: Id('Deterministic: the same event and workflow always give the same id.'),
    tenantId: TenantId,
    conversationId: Id('Conversation the workflow fired in.'),
    workflow: WorkflowRefSchema,
    event: Type.Object(
      { id: Type.String(), source: Type.String(), type: Type.String(), time: Timestamp('Event time.') },
      { additionalProperties: false },
    ),
    message: Type.Optional(
      Type.Object({ id: Type.String(), role: Type.String(), text: Type.String() }, { additionalProperties: false }),
    ),
    contact: Type.Optional(ContactSchema),
    ai: Type.Optional(AiAnnotationsSchema),
    match: TriggerMatchSchema,
    firedAt: Timestamp('When the decision was made.'),
  },
  { additionalProperties: false },
);
export type WorkflowTriggered = Static<typeof WorkflowTriggeredSchema>;
export const workflowTriggeredValidator = compileValidator(WorkflowTriggeredSchema);
