import type { OpenAPIObject } from '@nestjs/swagger';
import { allowedMethods, documentedPaths } from './method-not-allowed';

describe('allowedMethods', () => {
  const document = {
    openapi: '3.1.0',
    info: { title: 't', version: '1' },
    paths: {
      '/v1/workflows': { get: {}, post: {} },
      '/v1/workflows/preview': { post: {} },
      '/v1/workflows/{id}': { get: {}, patch: {}, delete: {} },
      '/v1/workflows/{id}/versions/{version}': { get: {} },
    },
  } as unknown as OpenAPIObject;
  const documented = documentedPaths(document);

  it('lists the methods of the documented path the request names', () => {
    expect(allowedMethods(documented, '/v1/workflows')).toEqual(['GET', 'POST']);
    expect(allowedMethods(documented, '/v1/workflows/')).toEqual(['GET', 'POST']);
    expect(allowedMethods(documented, '/v1/workflows/3f1c/versions/2')).toEqual(['GET']);
  });

  it('joins every template a path matches', () => {
    expect(allowedMethods(documented, '/v1/workflows/preview')).toEqual(['DELETE', 'GET', 'PATCH', 'POST']);
  });

  it('knows nothing of undocumented paths, and a parameter never spans a slash', () => {
    expect(allowedMethods(documented, '/health')).toEqual([]);
    expect(allowedMethods(documented, '/v1/workflows/a/b')).toEqual([]);
    expect(allowedMethods(documented, '/v1/workflowsX')).toEqual([]);
  });
});
