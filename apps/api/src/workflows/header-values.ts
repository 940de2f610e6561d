import type { Action, ValidationIssue, WorkflowDefinition } from '@app/contracts';
import { endpointUrlOf, originOf } from '@app/domain';

/**
 * What the API shows for a webhook's custom header value. Header values are credentials as often as
 * not (`Authorization`, `X-Api-Key`), so the API never shows one, nor keeps one in version history;
 * action-dispatcher redacts them from stored responses for the same reason.
 */
export const REDACTED_HEADER_VALUE = '[redacted]';

/**
 * The definition as it may be shown or kept in history: every custom header value redacted. Any
 * definition will do, a stored version's (untyped JSON) too.
 */
export function withHeaderValuesRedacted<D extends object>(definition: D): D {
  const { action } = definition as Partial<Pick<WorkflowDefinition, 'action'>>;
  if (action?.type !== 'webhook' || !action.headers) return definition;
  const headers = Object.fromEntries(Object.keys(action.headers).map((name) => [name, REDACTED_HEADER_VALUE]));
  return { ...definition, action: { ...action, headers } };
}

/**
 * A saved action with each header sent back as `[redacted]` (read from a GET, edited, sent again)
 * given its stored value; issues for such a header the workflow does not have, and for any when
 * the URL moves to another origin: a saved credential never follows a workflow to another host
 * (whoever may edit it could otherwise send it anywhere).
 */
export function withRedactedHeadersKept(
  action: Action,
  stored: Action | undefined,
): { action: Action; issues: ValidationIssue[] } {
  if (action.type !== 'webhook' || !action.headers) return { action, issues: [] };
  const origin = originOf(action.url);
  const sameOrigin = stored !== undefined && origin !== undefined && originOf(endpointUrlOf(stored)) === origin;
  const storedHeaders = sameOrigin && stored.type === 'webhook' ? (stored.headers ?? {}) : {};
  const storedValueOf = (name: string) =>
    Object.entries(storedHeaders).find(([storedName]) => storedName.toLowerCase() === name.toLowerCase())?.[1];
  const issues: ValidationIssue[] = [];
  const headers = Object.fromEntries(
    Object.entries(action.headers).map(([name, value]) => {
      if (value !== REDACTED_HEADER_VALUE) return [name, value];
      const kept = storedValueOf(name);
      if (kept === undefined) {
        issues.push({
          field: `/action/headers/${name.replaceAll('~', '~0')}`,
          reason:
            sameOrigin || stored === undefined
              ? `is "${REDACTED_HEADER_VALUE}", which keeps a saved value, and the workflow has no such header: send its value`
              : `is "${REDACTED_HEADER_VALUE}", but a saved value is kept only while the URL stays on the same origin: send its value`,
        });
      }
      return [name, kept ?? value];
    }),
  );
  return { action: { ...action, headers }, issues };
}
