import { InvalidInputError, parseJson, type Validator } from '@app/contracts';

export const JSON_MEDIA_TYPES = ['application/json', 'application/cloudevents+json', 'application/*+json'];

/** The bytes of a JSON request body (see bootstrap: bodies are not pre-parsed), or a 400. */
export function requireJsonBody(body: unknown): Buffer {
  if (!Buffer.isBuffer(body) || body.length === 0) {
    throw new InvalidInputError('invalid_body', 'send a JSON body with content-type application/json', [
      { field: 'header:content-type', reason: 'must be application/json with a non-empty body' },
    ]);
  }
  return body;
}

/** A request body → a valid value of the contract, or InvalidInputError (400) naming each field. */
export function parseRequestBody<T>(body: unknown, validator: Validator<T>): T {
  return parseJson(requireJsonBody(body), validator);
}
