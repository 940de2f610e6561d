import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { Action, FiringPolicy, Trigger, WorkflowStatus, WorkflowTestCase } from '@app/contracts';

@Entity({ name: 'workflows' })
@Index(['tenantId', 'createdAt'])
export class WorkflowEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text', { name: 'tenant_id' })
  tenantId!: string;

  @Column('text')
  name!: string;

  @Column('integer')
  version!: number;

  @Column('text')
  status!: WorkflowStatus;

  @Column('jsonb')
  trigger!: Trigger;

  @Column('jsonb')
  action!: Action;

  @Column('jsonb')
  firing!: FiringPolicy;

  @Column('text', { name: 'signing_secret' })
  signingSecret!: string;

  /** After a rotation, the old secret also signs until `previousSigningSecretExpiresAt`. */
  @Column('text', { name: 'previous_signing_secret', nullable: true })
  previousSigningSecret!: string | null;

  @Column('timestamptz', { name: 'previous_signing_secret_expires_at', nullable: true })
  previousSigningSecretExpiresAt!: Date | null;

  /** Set when the workflow is deleted; a tombstone is published, then the row stays for history. */
  @Column('timestamptz', { name: 'deleted_at', nullable: true })
  deletedAt!: Date | null;

  /** Highest version already on workflow.definitions; below `version` means the relay owes a publish. */
  @Column('integer', { name: 'published_version', default: 0 })
  publishedVersion!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

/** Every version of every workflow as it was, so that an execution can say which one ran. */
@Entity({ name: 'workflow_versions' })
export class WorkflowVersionEntity {
  @PrimaryColumn('uuid', { name: 'workflow_id' })
  workflowId!: string;

  @PrimaryColumn('integer')
  version!: number;

  @Column('jsonb')
  definition!: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

/** The saved test cases of a workflow, run on demand and before it goes live. */
@Entity({ name: 'workflow_tests' })
export class WorkflowTestsEntity {
  @PrimaryColumn('uuid', { name: 'workflow_id' })
  workflowId!: string;

  @Column('jsonb')
  cases!: WorkflowTestCase[];

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
