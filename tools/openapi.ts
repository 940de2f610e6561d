import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Static, TObject } from '@sinclair/typebox';
import pino from 'pino';
import { loadConfig, type BaseConfig } from '@app/config';
import { findRepoRoot, type ServiceName } from '@app/infra';
import { openApiDocument, type OpenApiInfo, type ServiceSpec } from '@app/platform';
import { ActionDispatcherModule } from '../apps/action-dispatcher/src/action-dispatcher.module';
import { ActionDispatcherEnvSchema } from '../apps/action-dispatcher/src/config';
import { ACTION_DISPATCHER_OPENAPI } from '../apps/action-dispatcher/src/openapi';
import { ApiModule } from '../apps/api/src/api.module';
import { ApiEnvSchema } from '../apps/api/src/config';
import { API_OPENAPI } from '../apps/api/src/openapi';
import { HistoryEnvSchema } from '../apps/history/src/config';
import { HistoryModule } from '../apps/history/src/history.module';
import { HISTORY_OPENAPI } from '../apps/history/src/openapi';
import { IngestEnvSchema } from '../apps/ingest/src/config';
import { IngestModule } from '../apps/ingest/src/ingest.module';
import { INGEST_OPENAPI } from '../apps/ingest/src/openapi';
import { SignalAggregatorEnvSchema } from '../apps/signal-aggregator/src/config';
import { SIGNAL_AGGREGATOR_OPENAPI } from '../apps/signal-aggregator/src/openapi';
import { SignalAggregatorModule } from '../apps/signal-aggregator/src/signal-aggregator.module';
import { TriggerMatcherEnvSchema } from '../apps/trigger-matcher/src/config';
import { TRIGGER_MATCHER_OPENAPI } from '../apps/trigger-matcher/src/openapi';
import { TriggerMatcherModule } from '../apps/trigger-matcher/src/trigger-matcher.module';

/** A service with an HTTP API and its OpenAPI document. */
export interface OpenApiService {
  name: ServiceName;
  info: OpenApiInfo;
  /** Its root module, built from the defaults of its environment schema. */
  rootModule: () => DynamicModule;
}

/** A service as its main.ts starts it (`runService`), reduced to what its document needs. */
function service<S extends TObject>(
  spec: Pick<ServiceSpec<S>, 'envSchema' | 'module'> & { name: ServiceName; openApi: OpenApiInfo },
): OpenApiService {
  return {
    name: spec.name,
    info: spec.openApi,
    rootModule: () => spec.module(loadConfig(spec.envSchema, {}) as Static<S> & BaseConfig, pino({ level: 'silent' })),
  };
}

/** Every service whose OpenAPI document is committed; a test checks that each serves exactly its file. */
export const OPENAPI_SERVICES: readonly OpenApiService[] = [
  service({ name: 'api', envSchema: ApiEnvSchema, module: ApiModule.register, openApi: API_OPENAPI }),
  service({ name: 'ingest', envSchema: IngestEnvSchema, module: IngestModule.register, openApi: INGEST_OPENAPI }),
  service({
    name: 'trigger-matcher',
    envSchema: TriggerMatcherEnvSchema,
    module: TriggerMatcherModule.register,
    openApi: TRIGGER_MATCHER_OPENAPI,
  }),
  service({
    name: 'action-dispatcher',
    envSchema: ActionDispatcherEnvSchema,
    module: ActionDispatcherModule.register,
    openApi: ACTION_DISPATCHER_OPENAPI,
  }),
  service({ name: 'history', envSchema: HistoryEnvSchema, module: HistoryModule.register, openApi: HISTORY_OPENAPI }),
  service({
    name: 'signal-aggregator',
    envSchema: SignalAggregatorEnvSchema,
    module: SignalAggregatorModule.register,
    openApi: SIGNAL_AGGREGATOR_OPENAPI,
  }),
];

/** Where a service's committed OpenAPI document lives, from the repository root. */
export const openApiFile = (serviceName: string) => path.join('docs', 'openapi', `${serviceName}.json`);

/**
 * Builds a service's OpenAPI document without Kafka or PostgreSQL: Nest's preview mode assembles
 * the module graph (controllers and their decorators) without instantiating any provider.
 */
export async function buildOpenApiDocument(spec: OpenApiService): Promise<string> {
  const app = await NestFactory.create(spec.rootModule(), {
    preview: true,
    logger: false,
  });
  const document = openApiDocument(app, spec.info);
  await app.close();
  return `${JSON.stringify(document, null, 2)}\n`;
}

async function main(): Promise<void> {
  for (const spec of OPENAPI_SERVICES) {
    const file = path.join(findRepoRoot(), openApiFile(spec.name));
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, await buildOpenApiDocument(spec));
    process.stderr.write(`wrote ${openApiFile(spec.name)}\n`);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`openapi failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
