import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhenResult,
  type CircuitBreakerPolicy,
  type IDisposable,
} from 'cockatiel';
import { circuitBreakerTransitions, circuitsOpen } from '@app/metrics';

const STATE_NAMES: Record<CircuitState, string> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half_open',
  [CircuitState.Isolated]: 'isolated',
};

/** A webhook endpoint: the workflow whose action calls it, at the URL it calls now. */
export interface Endpoint {
  tenantId: string;
  workflowId: string;
  url: string;
}

interface Circuit {
  /** Handles whether each attempt failed, not its result: cockatiel keeps the last failure for ever. */
  breaker: CircuitBreakerPolicy;
  labels: { tenant: string; workflow: string };
  /** The URL whose failures it counts: a workflow moved to another URL starts on a closed circuit. */
  url: string;
  /** Open or half-open: counted in aw_webhook_circuits_open. */
  open: boolean;
  lastRunAt: number;
  listener: IDisposable;
}

/**
 * A circuit breaker per endpoint (cockatiel): after `failureThreshold` consecutive retriable
 * failures the endpoint's circuit opens and its executions are postponed without being attempted;
 * after `halfOpenAfterMs` one attempt is let through, and its outcome closes or reopens it.
 *
 * A circuit only moves when an attempt is made through it, so an open one that nothing uses any
 * more (the workflow was disabled or deleted, its endpoint disabled, its executions over) would
 * stay open, and counted as open, for ever: such circuits are forgotten (`forget` when the
 * workflow no longer calls the endpoint; `forgetUnused` when no attempt went through it for
 * longer than any execution waits between two attempts, closed ones too, so that endpoints called
 * once leave nothing behind); a later attempt starts on a closed one.
 */
export class EndpointBreakers<T> {
  private readonly circuits = new Map<string, Circuit>();

  constructor(
    private readonly options: {
      failureThreshold: number;
      halfOpenAfterMs: number;
      /** Longer than any execution waits between two of its attempts (see forgetUnused). */
      unusedForgottenAfterMs: number;
    },
    /** Whether a result counts against the endpoint's health (a final 4xx does not). */
    private readonly isFailure: (result: T) => boolean,
  ) {}

  /** The attempt's result, or null when the circuit is open and nothing was attempted. */
  async run(endpoint: Endpoint, attempt: () => Promise<T>): Promise<T | null> {
    const circuit = this.circuitOf(endpoint);
    circuit.lastRunAt = Date.now();
    // The breaker sees whether the attempt failed, never the result: cockatiel keeps the last
    // failure's value until the circuit is forgotten, and a result holds the payload sent, the
    // response and what it takes to show them unredacted.
    let result: T | undefined;
    try {
      await circuit.breaker.execute(async () => {
        result = await attempt();
        return this.isFailure(result);
      });
      return result!;
    } catch (error) {
      if (error instanceof BrokenCircuitError) return null;
      throw error;
    }
  }

  /** Forgets the endpoint's circuit: its workflow no longer calls it (disabled, deleted, endpoint disabled). */
  forget(workflowId: string): void {
    const circuit = this.circuits.get(workflowId);
    if (!circuit) return;
    circuit.listener.dispose();
    if (circuit.open) circuitsOpen.remove(circuit.labels);
    this.circuits.delete(workflowId);
  }

  /**
   * Forgets circuits no attempt went through for `unusedForgottenAfterMs`: every execution of the
   * endpoint comes back within that time (its retry delay, a Retry-After, or the half-open delay
   * when the circuit postponed it), so none is waiting on these any more.
   */
  forgetUnused(now = Date.now()): void {
    for (const [workflowId, circuit] of this.circuits) {
      if (now - circuit.lastRunAt > this.options.unusedForgottenAfterMs) this.forget(workflowId);
    }
  }

  /** Endpoints with a circuit held (for tests). */
  get trackedEndpoints(): number {
    return this.circuits.size;
  }

  private circuitOf(endpoint: Endpoint): Circuit {
    const existing = this.circuits.get(endpoint.workflowId);
    if (existing?.url === endpoint.url) return existing;
    if (existing) this.forget(endpoint.workflowId);
    const breaker = circuitBreaker(
      handleWhenResult((failed) => failed === true),
      {
        halfOpenAfter: this.options.halfOpenAfterMs,
        breaker: new ConsecutiveBreaker(this.options.failureThreshold),
      },
    );
    // The workflow's own id, never folded into `other` (few circuits are open at once, and an alert
    // must name the endpoint); its series exists only while the circuit is open.
    const labels = { tenant: endpoint.tenantId, workflow: endpoint.workflowId };
    const circuit: Circuit = {
      breaker,
      labels,
      url: endpoint.url,
      open: false,
      lastRunAt: Date.now(),
      listener: { dispose: () => {} },
    };
    circuit.listener = breaker.onStateChange((state) => {
      circuitBreakerTransitions.inc({ state: STATE_NAMES[state] });
      // Half-open still counts as open: the endpoint has not recovered until the circuit closes.
      const nowOpen = state !== CircuitState.Closed;
      if (nowOpen && !circuit.open) circuitsOpen.set(labels, 1);
      if (!nowOpen && circuit.open) circuitsOpen.remove(labels);
      circuit.open = nowOpen;
    });
    this.circuits.set(endpoint.workflowId, circuit);
    return circuit;
  }
}
