import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhenResult,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { circuitBreakerTransitions, circuitsOpen, workflowLabel } from '@app/metrics';

const STATE_NAMES: Record<CircuitState, string> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half_open',
  [CircuitState.Isolated]: 'isolated',
};

/** A webhook endpoint: the workflow whose action calls it. */
export interface Endpoint {
  tenantId: string;
  workflowId: string;
}

/**
 * A circuit breaker per endpoint (cockatiel): after `failureThreshold` consecutive retriable
 * failures the endpoint's circuit opens and its executions are postponed without being attempted;
 * after `halfOpenAfterMs` one attempt is let through, and its outcome closes or reopens it.
 */
export class EndpointBreakers<T> {
  private readonly breakers = new Map<string, CircuitBreakerPolicy>();

  constructor(
    private readonly options: { failureThreshold: number; halfOpenAfterMs: number },
    /** Whether a result counts against the endpoint's health (a final 4xx does not). */
    private readonly isFailure: (result: T) => boolean,
  ) {}

  /** The attempt's result, or null when the circuit is open and nothing was attempted. */
  async run(endpoint: Endpoint, attempt: () => Promise<T>): Promise<T | null> {
    try {
      return await this.breakerOf(endpoint).execute(attempt);
    } catch (error) {
      if (error instanceof BrokenCircuitError) return null;
      throw error;
    }
  }

  private breakerOf(endpoint: Endpoint): CircuitBreakerPolicy {
    let breaker = this.breakers.get(endpoint.workflowId);
    if (!breaker) {
      breaker = circuitBreaker(
        handleWhenResult((result) => this.isFailure(result as T)),
        {
          halfOpenAfter: this.options.halfOpenAfterMs,
          breaker: new ConsecutiveBreaker(this.options.failureThreshold),
        },
      );
      // The label is fixed when the breaker is made, so that opening and closing move the same series.
      const labels = { tenant: endpoint.tenantId, workflow: workflowLabel(endpoint.tenantId, endpoint.workflowId) };
      let open = false;
      breaker.onStateChange((state) => {
        circuitBreakerTransitions.inc({ state: STATE_NAMES[state] });
        // Half-open still counts as open: the endpoint has not recovered until the circuit closes.
        const nowOpen = state !== CircuitState.Closed;
        if (nowOpen !== open) circuitsOpen.inc(labels, nowOpen ? 1 : -1);
        open = nowOpen;
      });
      this.breakers.set(endpoint.workflowId, breaker);
    }
    return breaker;
  }
}
