import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhenResult,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { circuitBreakerTransitions } from '@app/metrics';

const STATE_NAMES: Record<CircuitState, string> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half_open',
  [CircuitState.Isolated]: 'isolated',
};

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
  async run(endpoint: string, attempt: () => Promise<T>): Promise<T | null> {
    try {
      return await this.breakerOf(endpoint).execute(attempt);
    } catch (error) {
      if (error instanceof BrokenCircuitError) return null;
      throw error;
    }
  }

  private breakerOf(endpoint: string): CircuitBreakerPolicy {
    let breaker = this.breakers.get(endpoint);
    if (!breaker) {
      breaker = circuitBreaker(
        handleWhenResult((result) => this.isFailure(result as T)),
        {
          halfOpenAfter: this.options.halfOpenAfterMs,
          breaker: new ConsecutiveBreaker(this.options.failureThreshold),
        },
      );
      breaker.onStateChange((state) => circuitBreakerTransitions.inc({ state: STATE_NAMES[state] }));
      this.breakers.set(endpoint, breaker);
    }
    return breaker;
  }
}
