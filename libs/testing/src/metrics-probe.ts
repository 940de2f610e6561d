/** Reads one sample of a Prometheus metric from a service's /metrics (labels matched by substring). */
export async function readMetric(
  serviceUrl: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<number | undefined> {
  const text = await (await fetch(`${serviceUrl}/metrics`)).text();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([label, value]) => line.includes(`${label}="${value}"`))) continue;
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

/** How many workflow definitions a service holds (trigger-matcher, action-dispatcher, history). */
export function workflowDefinitionsLoaded(serviceUrl: string): Promise<number | undefined> {
  return readMetric(serviceUrl, 'aw_materialized_view_entries', { view: 'workflow-definitions' });
}

/** CPU seconds (user + system) a service has used so far, from its own process_cpu_seconds_total; NaN if absent. */
export async function serviceCpuSeconds(serviceUrl: string): Promise<number> {
  return (await readMetric(serviceUrl, 'process_cpu_seconds_total')) ?? NaN;
}
