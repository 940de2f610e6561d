import type { ServiceName } from '@app/infra';
import { waitFor } from './wait-for';

/**
 * A request to each HTTP service that any valid API key gets past authentication with (an answer
 * other than 401): how to tell that the service has loaded a new key from `tenant.api-keys`.
 */
const AUTHENTICATED_PROBES: Partial<Record<ServiceName, { method: string; path: string }>> = {
  api: { method: 'GET', path: '/v1/api-keys' },
  ingest: { method: 'POST', path: '/v1/events' },
  'trigger-matcher': { method: 'GET', path: '/v1/contacts/probe/memory' },
  'action-dispatcher': { method: 'POST', path: '/v1/workflows/00000000-0000-4000-8000-000000000000/test-delivery' },
  history: { method: 'GET', path: '/v1/executions/00000000-0000-4000-8000-000000000000' },
  'signal-aggregator': { method: 'GET', path: '/v1/aggregates?series=signal' },
};

/** The services of `running` that authenticate tenants' API keys, with their URLs. */
export function tenantApiServices<S extends { name: ServiceName; url: string }>(running: readonly S[]): S[] {
  return running.filter((service) => AUTHENTICATED_PROBES[service.name] !== undefined);
}

/** Issues an API key for `tenantId` through the api's admin route, with the operator token. */
export async function issueTenantApiKey(apiUrl: string, operatorToken: string, tenantId: string): Promise<string> {
  const response = await fetch(`${apiUrl}/v1/admin/tenants/${encodeURIComponent(tenantId)}/api-keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${operatorToken}` },
  });
  if (response.status !== 201) {
    throw new Error(`issuing an API key for ${tenantId} failed: ${response.status} ${await response.text()}`);
  }
  return ((await response.json()) as { key: string }).key;
}

/** The status each service answers its authenticated probe with, using `key`. */
export function probeApiKey(
  running: readonly { name: ServiceName; url: string }[],
  key: string,
): Promise<Record<string, number>> {
  return probeAuthorization(running, `Bearer ${key}`);
}

/** The status each service answers its authenticated probe with, sending this Authorization header (or none). */
export async function probeAuthorization(
  running: readonly { name: ServiceName; url: string }[],
  authorization: string | undefined,
): Promise<Record<string, number>> {
  const statuses: Record<string, number> = {};
  for (const service of running) {
    const probe = AUTHENTICATED_PROBES[service.name];
    if (!probe) continue;
    const response = await fetch(`${service.url}${probe.path}`, {
      method: probe.method,
      headers: authorization === undefined ? {} : { authorization },
    });
    await response.arrayBuffer();
    statuses[service.name] = response.status;
  }
  return statuses;
}

/** Resolves once every running HTTP service accepts `key` (it has read the key from the topic). */
export async function waitUntilApiKeyAccepted(
  running: readonly { name: ServiceName; url: string }[],
  key: string,
): Promise<void> {
  await waitFor('every service to accept the new API key', async () => {
    const statuses = await probeApiKey(running, key);
    return Object.values(statuses).every((status) => status !== 401) ? true : undefined;
  });
}
