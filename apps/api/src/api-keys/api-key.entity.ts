import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A tenant's API key as the api keeps it: the hash only; the key was shown once, when issued. */
@Entity({ name: 'api_keys' })
export class ApiKeyEntity {
  @PrimaryColumn('text')
  id!: string;

  @Column('text', { name: 'tenant_id' })
  tenantId!: string;

  @Column('text', { name: 'key_hash' })
  keyHash!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt!: Date | null;

  /** Increases on every change; the relay publishes while it is above `publishedVersion`. */
  @Column('integer')
  version!: number;

  @Column('integer', { name: 'published_version', default: 0 })
  publishedVersion!: number;
}
