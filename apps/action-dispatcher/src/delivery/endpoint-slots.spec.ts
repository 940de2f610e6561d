import { EndpointSlots, type ReleaseSlot } from './endpoint-slots';

/** A schedule with a queue per endpoint that starts what EndpointSlots lets it, as the scheduler does. */
function scheduleWith(limit: number, rates: Record<string, number> = {}) {
  const queues = new Map<string, string[]>();
  const started: { id: string; release: ReleaseSlot }[] = [];
  const slots: EndpointSlots = new EndpointSlots(
    limit,
    (endpoint) => rates[endpoint],
    (endpoint) => (queues.get(endpoint)?.length ?? 0) > 0,
    (endpoint) => drain(endpoint),
  );
  function drain(endpoint: string) {
    const queue = queues.get(endpoint) ?? [];
    while (queue.length > 0) {
      const release = slots.tryTake(endpoint);
      if (!release) return;
      started.push({ id: queue.shift()!, release });
    }
  }
  return {
    slots,
    started,
    enqueue(endpoint: string, ...ids: string[]) {
      queues.set(endpoint, [...(queues.get(endpoint) ?? []), ...ids]);
      drain(endpoint);
    },
  };
}

describe('EndpointSlots', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('lets at most `limit` deliveries of an endpoint run, each endpoint on its own', () => {
    const { slots } = scheduleWith(2);
    const first = slots.tryTake('a');
    expect(first).not.toBeNull();
    expect(slots.tryTake('a')).not.toBeNull();
    expect(slots.tryTake('a')).toBeNull();
    expect(slots.tryTake('b')).not.toBeNull();
    first!();
    first!(); // a second release gives nothing back twice
    expect(slots.tryTake('a')).not.toBeNull();
    expect(slots.tryTake('a')).toBeNull();
  });

  it('gives an inline attempt the next freed slot, or null once its deadline passed', async () => {
    const { slots } = scheduleWith(1);
    const held = slots.tryTake('a')!;
    const waiting = slots.take('a', Date.now() + 500);
    const late = slots.take('a', Date.now() + 100);
    jest.advanceTimersByTime(100);
    await expect(late).resolves.toBeNull();
    held();
    const granted = await waiting;
    expect(granted).not.toBeNull();
    expect(slots.tryTake('a')).toBeNull();
    granted!();
    await expect(slots.take('a', Date.now())).resolves.not.toBeNull();
  });

  it('hands contested slots to inline attempts and the schedule in turn', async () => {
    const schedule = scheduleWith(1);
    const { slots, started } = schedule;
    const first = slots.tryTake('a')!;
    schedule.enqueue('a', 'retry-1', 'retry-2');
    const inline = [slots.take('a', Date.now() + 1_000), slots.take('a', Date.now() + 1_000)];
    const order: string[] = [];
    void inline[0]!.then(() => order.push('inline-1'));
    void inline[1]!.then(() => order.push('inline-2'));

    first();
    await Promise.resolve();
    // The first contested slot goes to the inline attempt, the next to the schedule, and so on.
    expect(order).toEqual(['inline-1']);
    expect(started).toHaveLength(0);
    (await inline[0]!)!();
    expect(started.map(({ id }) => id)).toEqual(['retry-1']);
    started[0]!.release();
    await Promise.resolve();
    expect(order).toEqual(['inline-1', 'inline-2']);
    (await inline[1]!)!();
    expect(started.map(({ id }) => id)).toEqual(['retry-1', 'retry-2']);
  });

  it('gives every freed slot to the schedule when no inline attempt waits, and the other way round', async () => {
    const schedule = scheduleWith(1);
    schedule.enqueue('a', 'retry-1', 'retry-2');
    expect(schedule.started.map(({ id }) => id)).toEqual(['retry-1']);
    schedule.started[0]!.release();
    expect(schedule.started.map(({ id }) => id)).toEqual(['retry-1', 'retry-2']);

    const waiting = [schedule.slots.take('a', Date.now() + 1_000), schedule.slots.take('a', Date.now() + 1_000)];
    schedule.started[1]!.release();
    const first = await waiting[0]!;
    expect(first).not.toBeNull();
    first!();
    await expect(waiting[1]!).resolves.not.toBeNull();
  });

  it('refuses waiting inline attempts when told to (endpoint held back, shutdown)', async () => {
    const { slots } = scheduleWith(1);
    slots.tryTake('a');
    slots.tryTake('b');
    const onA = slots.take('a', Date.now() + 1_000);
    const onB = slots.take('b', Date.now() + 1_000);
    slots.refuseWaiters('a');
    await expect(onA).resolves.toBeNull();
    slots.refuseWaiters();
    await expect(onB).resolves.toBeNull();
  });

  it('starts no more deliveries of an endpoint than its rate limit allows, and the rest when their tokens are due', () => {
    const { enqueue, started } = scheduleWith(50, { limited: 2 });
    enqueue('limited', 'l1', 'l2', 'l3', 'l4', 'l5');
    enqueue('free', 'f1', 'f2', 'f3');
    const startedOf = (prefix: string) => started.filter(({ id }) => id.startsWith(prefix)).map(({ id }) => id);
    // A burst of one second's worth; another endpoint is not held back.
    expect(startedOf('l')).toEqual(['l1', 'l2']);
    expect(startedOf('f')).toEqual(['f1', 'f2', 'f3']);
    jest.advanceTimersByTime(499);
    expect(startedOf('l')).toHaveLength(2);
    jest.advanceTimersByTime(1);
    expect(startedOf('l')).toEqual(['l1', 'l2', 'l3']);
    jest.advanceTimersByTime(1_000);
    expect(startedOf('l')).toEqual(['l1', 'l2', 'l3', 'l4', 'l5']);
  });

  it('waits for a token due beyond what one timer can wait (a rate of one a month) without spinning', () => {
    const monthly = 1 / (30 * 86_400);
    let drains = 0;
    const queue = ['m1', 'm2'];
    const started: string[] = [];
    const slots: EndpointSlots = new EndpointSlots(
      50,
      () => monthly,
      () => queue.length > 0,
      () => {
        drains += 1;
        while (queue.length > 0 && slots.tryTake('monthly')) started.push(queue.shift()!);
      },
    );
    while (queue.length > 0 && slots.tryTake('monthly')) started.push(queue.shift()!);
    expect(started).toEqual(['m1']);
    // Node would fire a timer of more than 2^31 - 1 ms after 1 ms, again and again.
    jest.advanceTimersByTime(3_600_000);
    expect(started).toEqual(['m1']);
    expect(drains).toBeLessThanOrEqual(60);
    jest.advanceTimersByTime(30 * 86_400_000);
    expect(started).toEqual(['m1', 'm2']);
  });

  it('forgets an endpoint once nothing of it is in flight or waiting and its bucket is full again', () => {
    const { enqueue, started, slots } = scheduleWith(50, { limited: 2 });
    enqueue('limited', 'l1', 'l2', 'l3');
    slots.forgetIdle(Date.now());
    // In flight, and a delivery waiting for its token: kept.
    expect(slots.trackedEndpoints).toBe(1);
    started.forEach(({ release }) => release());
    jest.advanceTimersByTime(500);
    expect(started.map(({ id }) => id)).toEqual(['l1', 'l2', 'l3']);
    started[2]!.release();
    slots.forgetIdle(Date.now());
    // Nothing in flight, but a token spent: the bucket is not what a new one would be.
    expect(slots.trackedEndpoints).toBe(1);
    jest.advanceTimersByTime(1_000);
    slots.forgetIdle(Date.now());
    expect(slots.trackedEndpoints).toBe(0);
    // And it starts afresh: a burst of one second's worth.
    enqueue('limited', 'l4', 'l5', 'l6');
    expect(started.map(({ id }) => id)).toEqual(['l1', 'l2', 'l3', 'l4', 'l5']);
  });

  it('makes an inline attempt wait for a token within its deadline, and gives up at the deadline', async () => {
    const { slots } = scheduleWith(50, { limited: 1 });
    expect(await slots.take('limited', Date.now() + 100)).not.toBeNull();
    const late = slots.take('limited', Date.now() + 100);
    const inTime = slots.take('limited', Date.now() + 2_000);
    jest.advanceTimersByTime(100);
    expect(await late).toBeNull();
    jest.advanceTimersByTime(900);
    expect(await inTime).not.toBeNull();
  });
});
