import { Type, type Static } from '@sinclair/typebox';
import { compileValidator } from '../validation';
import { ActionSchema, FiringPolicySchema, TriggerSchema, WorkflowStatusSchema } from '../workflows/workflow.v1';

export const CreateWorkflowRequestSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    trigger: TriggerSchema,
    action: ActionSchema,
    firing: Type.Optional(FiringPolicySchema),
    status: Type.Optional(WorkflowStatusSchema),
  },
  { additionalProperties: false },
);
export type CreateWorkflowRequest = Static<typeof CreateWorkflowRequestSchema>;
export const createWorkflowRequestValidator = compileValidator(CreateWorkflowRequestSchema);

export const WorkflowViewSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  tenantId: Type.String(),
  name: Type.String(),
  version: Type.Integer(),
  status: WorkflowStatusSchema,
  trigger: TriggerSchema,
  action: ActionSchema,
  firing: FiringPolicySchema,
  endpoint: Type.Optional(
    Type.Object(
      {
        status: Type.Literal('disabled'),
        reason: Type.String(),
        disabledAt: Type.String({ format: 'date-time' }),
      },
      {
        description:
          "Present when action-dispatcher disabled the workflow's endpoint (it answered 410 Gone, or failed every " +
          'attempt for the whole disabling window): its executions are skipped until the workflow changes (any ' +
          'update is a new version, which delivers again).',
      },
    ),
  ),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type WorkflowView = Static<typeof WorkflowViewSchema>;

/** Returned once, on creation: the only response that carries the signing secret. */
export const CreatedWorkflowViewSchema = Type.Composite([
  WorkflowViewSchema,
  Type.Object({
    signingSecret: Type.String({ description: 'The Standard Webhooks secret (whsec_…), shown only here.' }),
  }),
]);
export type CreatedWorkflowView = Static<typeof CreatedWorkflowViewSchema>;

/** Most workflows (or versions) one page of a list holds; a page holds 100 unless `limit` says otherwise. */
export const MAX_WORKFLOW_PAGE = 500;
export const DEFAULT_WORKFLOW_PAGE = 100;

const PageLimit = (what: string) =>
  Type.Integer({
    minimum: 1,
    maximum: MAX_WORKFLOW_PAGE,
    default: DEFAULT_WORKFLOW_PAGE,
    description: `${what} per page.`,
  });
const PageCursor = Type.String({ maxLength: 1024, description: 'The `nextCursor` of the previous page.' });
const NextCursor = Type.String({ description: 'Pass as `cursor` for the next page; absent on the last page.' });

/** The query of `GET /v1/workflows`: a status filter and a page. */
export const WorkflowsQuerySchema = Type.Object({
  status: Type.Optional(WorkflowStatusSchema),
  limit: Type.Optional(PageLimit('Workflows')),
  cursor: Type.Optional(PageCursor),
});

/** The query of `GET /v1/workflows/:id/versions`: a page. */
export const WorkflowVersionsQuerySchema = Type.Object({
  limit: Type.Optional(PageLimit('Versions')),
  cursor: Type.Optional(PageCursor),
});

export const WorkflowListViewSchema = Type.Object({
  items: Type.Array(WorkflowViewSchema, { description: 'Oldest first.' }),
  nextCursor: Type.Optional(NextCursor),
});
export type WorkflowListView = Static<typeof WorkflowListViewSchema>;

/** One version of a workflow as it was stored when it was made: what an execution's workflowVersion refers to. */
export const WorkflowVersionViewSchema = Type.Object({
  workflowId: Type.String({ format: 'uuid' }),
  version: Type.Integer({ minimum: 1 }),
  createdAt: Type.String({ format: 'date-time' }),
  definition: Type.Record(Type.String(), Type.Unknown(), {
    description: 'The workflow at that version (name, status, trigger, action, firing…), without secrets.',
  }),
});
export type WorkflowVersionView = Static<typeof WorkflowVersionViewSchema>;
export const WorkflowVersionListViewSchema = Type.Object({
  items: Type.Array(WorkflowVersionViewSchema, { description: 'Newest first.' }),
  nextCursor: Type.Optional(NextCursor),
});
export type WorkflowVersionListView = Static<typeof WorkflowVersionListViewSchema>;

export const UpdateWorkflowRequestSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    trigger: Type.Optional(TriggerSchema),
    action: Type.Optional(ActionSchema),
    firing: Type.Optional(FiringPolicySchema),
    status: Type.Optional(WorkflowStatusSchema),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateWorkflowRequest = Static<typeof UpdateWorkflowRequestSchema>;
export const updateWorkflowRequestValidator = compileValidator(UpdateWorkflowRequestSchema);

export const RotateSigningSecretRequestSchema = Type.Object(
  {
    overlapSeconds: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 7 * 24 * 3600,
        description:
          'How long the old secret keeps signing beside the new one; default 86400 (24 h). A rotation ends an earlier overlap: the secret before the old one stops signing at once.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type RotateSigningSecretRequest = Static<typeof RotateSigningSecretRequestSchema>;
export const rotateSigningSecretRequestValidator = compileValidator(RotateSigningSecretRequestSchema);

export const RotatedSigningSecretViewSchema = Type.Object({
  signingSecret: Type.String(),
  previousSecretExpiresAt: Type.String({ format: 'date-time' }),
  version: Type.Integer(),
});
export type RotatedSigningSecretView = Static<typeof RotatedSigningSecretViewSchema>;
