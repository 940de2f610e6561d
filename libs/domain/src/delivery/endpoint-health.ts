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

/** A recorded failing streak: since when, and of which endpoint (absent in records older than the field). */
export interface RecordedStreak {
  failingSince: string | null;
  endpoint?: string;
}

/**
 * The streak an attempt on `endpoint` continues: the recorded one when it is that endpoint's. A
 * workflow edited without a new URL keeps its streak, so an endpoint that never answers is
 * disabled however often its workflow changes; a new URL is another endpoint and starts afresh.
 * A record that does not say its endpoint counts only if it began under the current version.
 */
export function continuedStreak(
  recorded: RecordedStreak | undefined,
  endpoint: string,
  versionSince: Date,
): Date | null {
  if (!recorded?.failingSince) return null;
  const since = new Date(recorded.failingSince);
  const sameEndpoint = recorded.endpoint === undefined ? since >= versionSince : recorded.endpoint === endpoint;
  return sameEndpoint ? since : null;
}
