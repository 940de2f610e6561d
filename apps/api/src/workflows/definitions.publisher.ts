import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { Topics, type WorkflowDefinition } from '@app/contracts';
import { KAFKA_PRODUCER, jsonRecord, type Producer } from '@app/kafka';
import { APP_CONFIG, APP_LOGGER } from '@app/platform';
import type { ApiConfig } from '../config';
import { OutboxPublisher } from '../outbox/outbox-publisher';
import { WorkflowEntity } from './workflow.entity';

export function toDefinition(workflow: WorkflowEntity): WorkflowDefinition {
  return {
    id: workflow.id,
    tenantId: workflow.tenantId,
    name: workflow.name,
    version: workflow.version,
    status: workflow.status,
    trigger: workflow.trigger,
    action: workflow.action,
    firing: workflow.firing,
    signingSecret: workflow.signingSecret,
    ...(workflow.previousSigningSecret && workflow.previousSigningSecretExpiresAt
      ? {
          previousSigningSecret: {
            secret: workflow.previousSigningSecret,
            expiresAt: workflow.previousSigningSecretExpiresAt.toISOString(),
          },
        }
      : {}),
    updatedAt: workflow.updatedAt.toISOString(),
  };
}

/** Publishes workflow changes to the compacted `workflow.definitions` topic (see OutboxPublisher). */
@Injectable()
export class DefinitionsPublisher extends OutboxPublisher<WorkflowEntity> {
  constructor(
    @InjectDataSource() dataSource: DataSource,
    @Inject(KAFKA_PRODUCER) producer: Producer,
    @Inject(APP_CONFIG) config: ApiConfig,
    @Inject(APP_LOGGER) logger: Logger,
  ) {
    super(
      'definitions',
      { dataSource, producer, intervalMs: config.DEFINITIONS_RELAY_INTERVAL_MS, logger },
      {
        entity: WorkflowEntity,
        orderBy: 'updated_at',
        // A deleted workflow leaves a tombstone.
        toRecord: (workflow) =>
          workflow.deletedAt
            ? { topic: Topics.workflowDefinitions.name, key: workflow.id, value: null }
            : jsonRecord(Topics.workflowDefinitions.name, workflow.id, toDefinition(workflow)),
      },
    );
  }
}
