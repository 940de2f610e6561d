/**
 * An endpoint's failing streak after one attempt, and whether it has failed for the whole
 * disabling window (Svix disables an endpoint after 5 days without a successful delivery).
 */
export interface EndpointHealth {
  /** The first failed attempt since the last success; null after a success. */
  failingSince: Date | null;
  /** Failing for at least the window: stop delivering until the workflow changes. */
  disable: boolean;
}

export function endpointHealthAfter(
  failingSince: Date | null,
  attempt: { succeeded: boolean; at: Date },
  disableAfterMs: number,
): EndpointHealth {
  if (attempt.succeeded) return { failingSince: null, disable: false };
  const since = failingSince ?? attempt.at;
  return { failingSince: since, disable: attempt.at.getTime() - since.getTime() >= disableAfterMs };
}
