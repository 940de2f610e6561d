import { Global, Module, type DynamicModule, type Provider } from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import type { Logger } from 'pino';
import { kafkaBrokers, type BaseConfig } from '@app/config';
import {
  Topics,
  apiKeyRecordValidator,
  endpointDisabledValidator,
  workflowDefinitionValidator,
  type EndpointDisabled,
  type WorkflowDefinition,
} from '@app/contracts';
import { DatabaseModule, type DatabaseOptions } from '@app/database';
import { HealthModule } from '@app/health';
import { KafkaModule, MaterializedViewModule, type CompactedTopicView } from '@app/kafka';
import { MetricsModule } from '@app/metrics';
import { API_KEYS, ApiKeyGuard, type ApiKeys } from './authentication';

export const APP_CONFIG = Symbol('APP_CONFIG');
export const APP_LOGGER = Symbol('APP_LOGGER');
/** Injection token of the data plane's `WorkflowDefinitions` view. */
export const WORKFLOW_DEFINITIONS = Symbol('WORKFLOW_DEFINITIONS');

/** Every workflow definition, materialised from `workflow.definitions` and caught up before consuming starts. */
export type WorkflowDefinitions = CompactedTopicView<WorkflowDefinition>;
/** Injection token of the `DisabledEndpoints` view. */
export const DISABLED_ENDPOINTS = Symbol('DISABLED_ENDPOINTS');
/**
 * The webhook endpoints action-dispatcher disabled, by workflow id, from
 * `action-dispatcher.disabled-endpoints`: an entry applies up to its `workflowVersion` (any newer
 * version of the workflow delivers again).
 */
export type DisabledEndpoints = CompactedTopicView<EndpointDisabled>;

export interface PlatformOptions {
  service: string;
  config: BaseConfig;
  logger: Logger;
  /** The service's own Postgres schema with its entities and migrations, if it has one. */
  database?: Pick<DatabaseOptions, 'schema' | 'entities' | 'migrations'>;
  /** Provide WORKFLOW_DEFINITIONS (trigger-matcher and action-dispatcher read the workflows). */
  workflowDefinitions?: boolean;
  /** Provide DISABLED_ENDPOINTS (action-dispatcher skips their executions; the api shows them). */
  disabledEndpoints?: boolean;
  /**
   * Serve a tenant API: every request authenticates with a tenant's API key (materialised from
   * `tenant.api-keys` into API_KEYS) or, on `@OperatorOnly()` routes, with `operatorToken`
   * (absent or empty: such routes refuse everyone).
   */
  authentication?: { operatorToken?: string };
}

/**
 * The chassis every service stands on: its validated config and logger (APP_CONFIG, APP_LOGGER),
 * `/health` and `/metrics`, the Kafka client and producer, and — when asked — its database schema,
 * the workflow definitions view and API-key authentication.
 */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(options: PlatformOptions): DynamicModule {
    const { service, config, logger } = options;
    const optional: DynamicModule[] = [];
    if (options.database) {
      optional.push(
        DatabaseModule.forRoot({ ...options.database, url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE }),
      );
    }
    if (options.workflowDefinitions) {
      optional.push(
        MaterializedViewModule.register({
          provide: WORKFLOW_DEFINITIONS,
          name: 'workflow-definitions',
          topic: Topics.workflowDefinitions.name,
          validator: workflowDefinitionValidator,
          logger,
          changedAt: (definition) => definition.updatedAt,
        }),
      );
    }
    if (options.disabledEndpoints) {
      optional.push(
        MaterializedViewModule.register({
          provide: DISABLED_ENDPOINTS,
          name: 'disabled-endpoints',
          topic: Topics.disabledEndpoints.name,
          validator: endpointDisabledValidator,
          logger,
          isNewer: (current, incoming) => incoming.workflowVersion >= current.workflowVersion,
        }),
      );
    }
    const providers: Provider[] = [
      { provide: APP_CONFIG, useValue: config },
      { provide: APP_LOGGER, useValue: logger },
    ];
    const { authentication } = options;
    if (authentication) {
      optional.push(
        MaterializedViewModule.register({
          provide: API_KEYS,
          name: 'api-keys',
          topic: Topics.apiKeys.name,
          validator: apiKeyRecordValidator,
          logger,
          changedAt: (key) => key.revokedAt ?? key.createdAt,
        }),
      );
      providers.push({
        provide: APP_GUARD,
        inject: [API_KEYS, Reflector],
        useFactory: (apiKeys: ApiKeys, reflector: Reflector) =>
          new ApiKeyGuard(apiKeys, reflector, authentication.operatorToken ?? ''),
      });
    }
    return {
      module: PlatformModule,
      imports: [
        HealthModule,
        MetricsModule,
        KafkaModule.forRoot({ brokers: kafkaBrokers(config), clientId: service, logger }),
        ...optional,
      ],
      providers,
      exports: [
        APP_CONFIG,
        APP_LOGGER,
        ...(options.workflowDefinitions || options.disabledEndpoints ? [MaterializedViewModule] : []),
      ],
    };
  }
}
