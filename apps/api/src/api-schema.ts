import { ApiKeyEntity } from './api-keys/api-key.entity';
import { CreateWorkflows1764000000000 } from './migrations/1764000000000-create-workflows';
import { AddFiringPolicy1764000000004 } from './migrations/1764000000004-add-firing-policy';
import { CreateWorkflowTests1764000000005 } from './migrations/1764000000005-create-workflow-tests';
import { AddPreviousSigningSecret1764000000010 } from './migrations/1764000000010-add-previous-signing-secret';
import { AllowDraftStatus1764100000000 } from './migrations/1764100000000-allow-draft-status';
import { CreateApiKeys1764300000000 } from './migrations/1764300000000-create-api-keys';
import { WorkflowEntity, WorkflowTestsEntity, WorkflowVersionEntity } from './workflows/workflow.entity';

/** api's PostgreSQL schema: its tables and the migrations that make them, in order. */
export const API_SCHEMA = {
  schema: 'api',
  entities: [WorkflowEntity, WorkflowVersionEntity, WorkflowTestsEntity, ApiKeyEntity],
  migrations: [
    CreateWorkflows1764000000000,
    AddFiringPolicy1764000000004,
    CreateWorkflowTests1764000000005,
    AddPreviousSigningSecret1764000000010,
    AllowDraftStatus1764100000000,
    CreateApiKeys1764300000000,
  ],
};
