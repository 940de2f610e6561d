import { NotFoundError } from '@app/platform';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Workflow ids are UUIDs: anything else names no workflow (404, as an unknown one). */
export function requireWorkflowId(workflowId: string): void {
  if (!UUID.test(workflowId)) throw new NotFoundError('workflow', workflowId);
}
