import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { NestFactory } from '@nestjs/core';
import pino from 'pino';
import { loadConfig } from '@app/config';
import { findRepoRoot } from '@app/infra';
import { openApiDocument } from '@app/platform';
import { ApiModule } from '../apps/api/src/api.module';
import { ApiEnvSchema } from '../apps/api/src/config';
import { API_OPENAPI } from '../apps/api/src/openapi';

/** The committed OpenAPI document of the api; a test checks that the api serves exactly this. */
export const API_OPENAPI_FILE = path.join('docs', 'openapi', 'api.json');

/**
 * Builds the api's OpenAPI document without Kafka or PostgreSQL: Nest's preview mode assembles the
 * module graph (controllers and their decorators) without instantiating any provider.
 */
export async function buildApiOpenApiDocument(): Promise<string> {
  const config = loadConfig(ApiEnvSchema, {});
  const app = await NestFactory.create(ApiModule.register(config, pino({ level: 'silent' })), {
    preview: true,
    logger: false,
  });
  const document = openApiDocument(app, API_OPENAPI);
  await app.close();
  return `${JSON.stringify(document, null, 2)}\n`;
}

async function main(): Promise<void> {
  const file = path.join(findRepoRoot(), API_OPENAPI_FILE);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, await buildApiOpenApiDocument());
  process.stderr.write(`wrote ${API_OPENAPI_FILE}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`openapi failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
