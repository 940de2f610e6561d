import { Inject, Injectable } from '@nestjs/common';
import { canonicalUuid, isUuid } from '@app/contracts';
import { NotFoundError, WORKFLOW_DEFINITIONS, type WorkflowDefinitions } from '@app/platform';

/**
 * Which workflow ids a tenant may ask history about. history cannot read the api's tables, so it
 * tells owners apart with the workflow definitions it materialises from `workflow.definitions`.
 */
@Injectable()
export class WorkflowAccess {
  constructor(@Inject(WORKFLOW_DEFINITIONS) private readonly definitions: WorkflowDefinitions) {}

  /**
   * 404 for what is not a workflow id (UUIDs only) and for another tenant's workflow, as for any
   * other of its ids. An id no definition holds passes: a deleted workflow's history stays
   * readable, from the tenant's own rows.
   */
  require(tenantId: string, workflowId: string): void {
    if (!isUuid(workflowId)) throw new NotFoundError('workflow', workflowId);
    const definition = this.definitions.get(canonicalUuid(workflowId));
    if (definition && definition.tenantId !== tenantId) throw new NotFoundError('workflow', workflowId);
  }
}
