/** A named check that says whether a dependency of the service is usable right now. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<{ ready: boolean; detail: string }> | { ready: boolean; detail: string };
}

/**
 * Collects the readiness checks of a process. Components that own a dependency (the Kafka
 * transport, the database module, a materialised view) register theirs at start-up.
 */
export class ReadinessRegistry {
  private readonly checks: ReadinessCheck[] = [];

  register(check: ReadinessCheck): void {
    this.checks.push(check);
  }

  list(): readonly ReadinessCheck[] {
    return this.checks;
  }
}
