import type { OpenAPIObject } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import type { ErrorResponse } from '@app/contracts';

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** A documented path template and the methods it answers. */
interface DocumentedPath {
  pattern: RegExp;
  methods: string[];
}

/**
 * RFC 9110 §15.5.6: a method a documented path does not answer gets 405 with `Allow`, not the
 * router's 404 (which says the resource does not exist). Built from the service's own OpenAPI
 * document, so it knows exactly the routes the document describes; undocumented paths (/health,
 * /metrics) and HEAD and OPTIONS (which Express answers for every route) are left to the router.
 */
export function methodNotAllowed(document: OpenAPIObject) {
  const documented = documentedPaths(document);
  return (request: Request, response: Response, next: NextFunction): void => {
    if (request.method === 'HEAD' || request.method === 'OPTIONS') return next();
    const allowed = allowedMethods(documented, request.path);
    if (allowed.length === 0 || allowed.includes(request.method)) return next();
    const body: ErrorResponse = {
      error: 'method_not_allowed',
      message: `${request.method} is not allowed on ${request.path}; allowed: ${allowed.join(', ')}`,
    };
    response.setHeader('Allow', allowed.join(', '));
    response.status(405).json(body);
  };
}

export function documentedPaths(document: OpenAPIObject): DocumentedPath[] {
  return Object.entries(document.paths).map(([template, item]) => ({
    pattern: new RegExp(
      `^${template
        .split(/\{[^}]+\}/)
        .map(escapeRegExp)
        .join('[^/]+')}/?$`,
    ),
    methods: HTTP_METHODS.filter((method) => method in item).map((method) => method.toUpperCase()),
  }));
}

/** Every method some documented template matching `path` answers (a path can match several: /x/preview and /x/{id}). */
export function allowedMethods(documented: DocumentedPath[], path: string): string[] {
  const allowed = new Set(documented.filter(({ pattern }) => pattern.test(path)).flatMap(({ methods }) => methods));
  return [...allowed].sort();
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
