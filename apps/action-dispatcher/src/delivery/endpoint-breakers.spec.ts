import { circuitsOpen } from '@app/metrics';
import { EndpointBreakers } from './endpoint-breakers';

const HALF_OPEN_AFTER_MS = 1_000;

async function openCircuitOf(breakers: EndpointBreakers<boolean>, workflowId: string): Promise<void> {
  for (let failure = 0; failure < 2; failure += 1)
    await breakers.run({ tenantId: 'acme', workflowId }, async () => false);
}

async function circuitsOpenNow(): Promise<number> {
  return (await circuitsOpen.get()).values.reduce((sum, { value }) => sum + value, 0);
}

describe('EndpointBreakers', () => {
  let breakers: EndpointBreakers<boolean>;

  beforeEach(() => {
    circuitsOpen.reset();
    breakers = new EndpointBreakers({ failureThreshold: 2, halfOpenAfterMs: HALF_OPEN_AFTER_MS }, (ok) => !ok);
  });

  it('opens after consecutive failures: nothing is attempted, and the circuit counts as open', async () => {
    await openCircuitOf(breakers, 'wf-down');
    const attempt = jest.fn(async () => true);
    expect(await breakers.run({ tenantId: 'acme', workflowId: 'wf-down' }, attempt)).toBeNull();
    expect(attempt).not.toHaveBeenCalled();
    expect(await circuitsOpenNow()).toBe(1);
  });

  it('forgets the circuit of an endpoint no longer called: no longer counted, and the next attempt goes through', async () => {
    await openCircuitOf(breakers, 'wf-disabled');
    breakers.forget('wf-disabled');
    expect(await circuitsOpenNow()).toBe(0);
    expect(await breakers.run({ tenantId: 'acme', workflowId: 'wf-disabled' }, async () => true)).toBe(true);
  });

  it('forgets open circuits nothing went through for twice the half-open delay, and only those', async () => {
    await openCircuitOf(breakers, 'wf-abandoned');
    await openCircuitOf(breakers, 'wf-waited-on');
    const later = Date.now() + 2 * HALF_OPEN_AFTER_MS + 1;
    jest.spyOn(Date, 'now').mockReturnValue(later - HALF_OPEN_AFTER_MS);
    // An execution waiting on this circuit comes back after the half-open delay.
    await breakers.run({ tenantId: 'acme', workflowId: 'wf-waited-on' }, async () => false);
    jest.restoreAllMocks();
    breakers.forgetUnusedOpen(later);
    expect(
      (await circuitsOpen.get()).values.filter(({ value }) => value > 0).map(({ labels }) => labels.workflow),
    ).toEqual([expect.stringContaining('wf-waited-on')]);
  });
});
