import { applyDecorators, type INestApplication } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiQuery,
  ApiResponse,
  DocumentBuilder,
  SwaggerModule,
  type OpenAPIObject,
} from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import type { TObject, TSchema } from '@sinclair/typebox';
import { ErrorResponseSchema, registeredSchemas } from '@app/contracts';

/** Where a schema registered by `$id` (a recursive one) lives in an OpenAPI document. */
const componentRef = (id: string) => `#/components/schemas/${id}`;

/**
 * A TypeBox contract as an OpenAPI 3.1 schema (JSON Schema 2020-12, which TypeBox's output is
 * compatible with): references by `$id` point into `components.schemas`, where
 * `openApiDocument` defines them, so the document describes exactly what the validators check.
 */
export function openApiSchema(schema: TSchema): SchemaObject {
  return rewriteRefs(JSON.parse(JSON.stringify(schema))) as SchemaObject;
}

function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (typeof value !== 'object' || value === null) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    // `$id`s become components; `discriminator` is a hint for Ajv's error messages, and OpenAPI
    // tools read it as a promise of named ($ref) variants, which the inline variants are not.
    if (key === '$id' || key === 'discriminator') continue;
    copy[key] =
      key === '$ref' && typeof child === 'string' && !child.startsWith('#') ? componentRef(child) : rewriteRefs(child);
  }
  return copy;
}

/** The errors a route may answer, each with the one error body of every API. */
export function ApiErrors(...statuses: (400 | 401 | 404 | 409 | 413)[]): MethodDecorator & ClassDecorator {
  const descriptions: Record<number, string> = {
    400: 'Invalid input: every issue names its field.',
    401: 'Missing, unknown or revoked API key (or operator token).',
    404: 'No such id for this tenant (another tenant’s ids too).',
    409: 'Not possible in the resource’s current state.',
    413: 'Body over the size limit.',
  };
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, description: descriptions[status], schema: openApiSchema(ErrorResponseSchema) }),
    ),
  );
}

/**
 * A route's query parameters, one per property of a TypeBox contract: the controller reads them
 * with `QueryParams`, and the contract names, bounds and describes the same parameters.
 */
export function ApiQueryParams(query: TObject): MethodDecorator {
  const required = new Set(query.required ?? []);
  return applyDecorators(
    ...Object.entries(query.properties).map(([name, property]) => {
      const { description, ...schema } = openApiSchema(property);
      return ApiQuery({ name, required: required.has(name), schema, ...(description ? { description } : {}) });
    }),
  );
}

/** A 200 answer of JSON in `schema`, or with `format=csv` the same rows as a CSV download. */
export function ApiJsonOrCsvResponse(schema: TSchema, csvColumns: string[]): MethodDecorator {
  return ApiOkResponse({
    content: {
      'application/json': { schema: openApiSchema(schema) },
      'text/csv': {
        schema: {
          type: 'string',
          description: `With format=csv: RFC 4180, a header row (${csvColumns.join(',')}), as an attachment.`,
        },
      },
    },
  });
}

/** Routes that take a tenant's API key. */
export const ApiKeyAuth = () => applyDecorators(ApiBearerAuth('apiKey'), ApiErrors(401));
/** Routes that take the operator token. */
export const OperatorTokenAuth = () => applyDecorators(ApiBearerAuth('operatorToken'), ApiErrors(401));

export interface OpenApiInfo {
  title: string;
  description: string;
}

/** The service's OpenAPI document, built from its controllers' decorators. */
export function openApiDocument(app: INestApplication, info: OpenApiInfo): OpenAPIObject {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle(info.title)
    .setDescription(info.description)
    .setVersion('1')
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: 'awk_…', description: "A tenant's API key." },
      'apiKey',
    )
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: 'opaque', description: 'The operator token (ADMIN_API_TOKEN).' },
      'operatorToken',
    )
    .build();
  const document = SwaggerModule.createDocument(app, config);
  // The document describes the tenant API; probes and scrapes (/health, /metrics) are in the README.
  const paths = Object.fromEntries(
    Object.entries(document.paths).filter(([path]) => !path.startsWith('/health') && path !== '/metrics'),
  );
  const schemas: Record<string, SchemaObject> = { ...document.components?.schemas } as Record<string, SchemaObject>;
  for (const id of referencedSchemaIds(paths)) schemas[id] = openApiSchema(registeredSchemas().get(id)!);
  // Only the schemes the service's routes take: a service without operator routes names no operator token.
  const usedSchemes = new Set(
    Object.values(paths).flatMap((item) =>
      Object.values(item as Record<string, { security?: Record<string, unknown>[] }>).flatMap((operation) =>
        (operation.security ?? []).flatMap(Object.keys),
      ),
    ),
  );
  const securitySchemes = Object.fromEntries(
    Object.entries(document.components?.securitySchemes ?? {}).filter(([name]) => usedSchemes.has(name)),
  );
  return { ...document, paths, components: { ...document.components, schemas, securitySchemes } };
}

/** The registered schemas the paths point to, and those they point to in turn. */
function referencedSchemaIds(paths: OpenAPIObject['paths']): Set<string> {
  const ids = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (typeof value !== 'object' || value === null) return;
    for (const [key, child] of Object.entries(value)) {
      const id = key === '$ref' && typeof child === 'string' ? child.replace(componentRef(''), '') : undefined;
      if (id !== undefined && registeredSchemas().has(id) && !ids.has(id)) {
        ids.add(id);
        visit(openApiSchema(registeredSchemas().get(id)!));
      } else visit(child);
    }
  };
  visit(paths);
  return ids;
}

/** Serves the document at `/openapi.json` and a browsable UI at `/docs` (both open, like /health). */
export function serveOpenApi(app: INestApplication, document: OpenAPIObject): void {
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json', yamlDocumentUrl: 'openapi.yaml' });
}
