import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Attempt, ExecutionStatus, WorkflowTriggered } from '@app/contracts';

@Entity({ name: 'executions' })
export class ExecutionEntity {
  @PrimaryColumn('text', { name: 'execution_id' })
  executionId!: string;

  @Column('text', { name: 'trigger_id' })
  triggerId!: string;

  @Column('text', { name: 'tenant_id' })
  tenantId!: string;

  @Column('uuid', { name: 'workflow_id' })
  workflowId!: string;

  @Column('integer', { name: 'workflow_version' })
  workflowVersion!: number;

  @Column('text', { name: 'conversation_id' })
  conversationId!: string;

  @Column('text', { name: 'contact_id', nullable: true })
  contactId!: string | null;

  @Column('text', { name: 'action_type' })
  actionType!: string;

  @Column('text')
  status!: ExecutionStatus;

  @Column('text', { nullable: true })
  reason!: string | null;

  /** Why a failed execution failed (`failureCause`); null otherwise. */
  @Column('text', { nullable: true })
  cause!: string | null;

  @Column('jsonb')
  attempts!: Attempt[];

  @Column('integer', { name: 'attempt_count' })
  attemptCount!: number;

  @Column('double precision', { name: 'latency_ms' })
  latencyMs!: number;

  @Column('timestamptz', { name: 'event_time' })
  eventTime!: Date;

  @Column('timestamptz', { name: 'started_at' })
  startedAt!: Date;

  @Column('timestamptz', { name: 'finished_at' })
  finishedAt!: Date;

  /** The trigger, kept from the final result of an execution that called an endpoint: what a replay sends. */
  @Column('jsonb', { nullable: true })
  trigger!: WorkflowTriggered | null;

  /** The series `attempts` belong to: 0 for the first, n for the n-th replay. */
  @Column('integer')
  replay!: number;

  /** The highest replay requested; above `replay` while a requested replay has not reported. */
  @Column('integer', { name: 'replays_requested' })
  replaysRequested!: number;

  @Column('jsonb', { name: 'previous_attempts' })
  previousAttempts!: Attempt[];
}
