import { circuitsOpen } from '@app/metrics';
import { EndpointBreakers } from './endpoint-breakers';

const HALF_OPEN_AFTER_MS = 1_000;
/** As if the longest retry delay were 10 s. */
const FORGOTTEN_AFTER_MS = 11_000;
const URL_A = 'https://orders.example.com/hook';

async function openCircuitOf(breakers: EndpointBreakers<boolean>, workflowId: string): Promise<void> {
  for (let failure = 0; failure < 2; failure += 1)
    await breakers.run({ tenantId: 'acme', workflowId, url: URL_A }, async () => false);
}

async function circuitsOpenNow(): Promise<number> {
  return (await circuitsOpen.get()).values.reduce((sum, { value }) => sum + value, 0);
}

describe('EndpointBreakers', () => {
  let breakers: EndpointBreakers<boolean>;

  beforeEach(() => {
    circuitsOpen.reset();
    breakers = new EndpointBreakers(
      { failureThreshold: 2, halfOpenAfterMs: HALF_OPEN_AFTER_MS, unusedForgottenAfterMs: FORGOTTEN_AFTER_MS },
      (ok) => !ok,
    );
  });

  it('starts on a closed circuit when the workflow calls another URL: the open one counted the old URL', async () => {
    await openCircuitOf(breakers, 'wf-moved');
    expect(await circuitsOpenNow()).toBe(1);
    const moved = { tenantId: 'acme', workflowId: 'wf-moved', url: 'https://orders.example.com/v2/hook' };
    expect(await breakers.run(moved, async () => true)).toBe(true);
    expect(await circuitsOpenNow()).toBe(0);
  });

  it('opens after consecutive failures: nothing is attempted, and the circuit counts as open', async () => {
    await openCircuitOf(breakers, 'wf-down');
    const attempt = jest.fn(async () => true);
    expect(await breakers.run({ tenantId: 'acme', workflowId: 'wf-down', url: URL_A }, attempt)).toBeNull();
    expect(attempt).not.toHaveBeenCalled();
    expect(await circuitsOpenNow()).toBe(1);
  });

  it("names the workflow's own id, and keeps a series only while the circuit is open", async () => {
    await openCircuitOf(breakers, 'wf-recovering');
    expect((await circuitsOpen.get()).values).toEqual([
      expect.objectContaining({ labels: { tenant: 'acme', workflow: 'wf-recovering' }, value: 1 }),
    ]);
    jest.spyOn(Date, 'now').mockReturnValue(Date.now() + HALF_OPEN_AFTER_MS + 1);
    try {
      expect(await breakers.run({ tenantId: 'acme', workflowId: 'wf-recovering', url: URL_A }, async () => true)).toBe(
        true,
      );
    } finally {
      jest.restoreAllMocks();
    }
    expect((await circuitsOpen.get()).values).toEqual([]);
  });

  it('forgets the circuit of an endpoint no longer called: no longer counted, and the next attempt goes through', async () => {
    await openCircuitOf(breakers, 'wf-disabled');
    breakers.forget('wf-disabled');
    expect(await circuitsOpenNow()).toBe(0);
    expect(await breakers.run({ tenantId: 'acme', workflowId: 'wf-disabled', url: URL_A }, async () => true)).toBe(
      true,
    );
  });

  it('forgets circuits nothing went through for longer than any execution waits, and only those', async () => {
    await openCircuitOf(breakers, 'wf-abandoned');
    await breakers.run({ tenantId: 'acme', workflowId: 'wf-called-once', url: URL_A }, async () => true);
    await openCircuitOf(breakers, 'wf-retrying');
    const later = Date.now() + FORGOTTEN_AFTER_MS + 1;
    // An execution of this endpoint came back from its retry delay (and failed the half-open probe).
    jest.spyOn(Date, 'now').mockReturnValue(later - 9_000);
    await breakers.run({ tenantId: 'acme', workflowId: 'wf-retrying', url: URL_A }, async () => false);
    jest.restoreAllMocks();
    breakers.forgetUnused(later);
    expect(
      (await circuitsOpen.get()).values.filter(({ value }) => value > 0).map(({ labels }) => labels.workflow),
    ).toEqual([expect.stringContaining('wf-retrying')]);
    expect(breakers.trackedEndpoints).toBe(1);
  });

  it('keep nothing of a failed attempt: only whether it failed', async () => {
    const failure = { failed: true, payload: 'the transcript sent' };
    const keeping = new EndpointBreakers<typeof failure>(
      { failureThreshold: 5, halfOpenAfterMs: HALF_OPEN_AFTER_MS, unusedForgottenAfterMs: FORGOTTEN_AFTER_MS },
      (result) => result.failed,
    );
    expect(await keeping.run({ tenantId: 'acme', workflowId: 'wf-failing', url: URL_A }, async () => failure)).toBe(
      failure,
    );
    const circuits = (keeping as unknown as { circuits: Map<string, { breaker: { lastFailure: unknown } }> }).circuits;
    expect(JSON.stringify(circuits.get('wf-failing')!.breaker.lastFailure)).not.toContain('transcript');
  });
});
