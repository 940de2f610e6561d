import type { MinuteCount } from '@app/contracts';
import { AggregatesController, MAX_MINUTE_WINDOWS } from './aggregates.controller';
import type { WindowCountsRepository } from './window-counts.repository';

/** A repository holding `stored` minute windows of the queried period. */
function controllerOver(stored: number) {
  const limits: number[] = [];
  const counts = {
    minutes: (_tenant: string, _kind: string, from: Date, _to: Date, limit: number): Promise<MinuteCount[]> => {
      limits.push(limit);
      return Promise.resolve(
        Array.from({ length: Math.min(stored, limit) }, (_, index) => ({
          name: 'resolved',
          windowStart: new Date(from.getTime() + index * 60_000).toISOString(),
          count: 1,
        })),
      );
    },
  } as unknown as WindowCountsRepository;
  return { controller: new AggregatesController(counts), limits };
}

describe('GET /v1/aggregates', () => {
  const query = { series: 'signal', from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' };

  it('answers every minute window of the period up to the bound, reading one more to know', async () => {
    const { controller, limits } = controllerOver(MAX_MINUTE_WINDOWS);
    expect((await controller.query('tenant', query)).items).toHaveLength(MAX_MINUTE_WINDOWS);
    expect(limits).toEqual([MAX_MINUTE_WINDOWS + 1]);
  });

  it('refuses a period holding more, naming from, instead of reading it whole', async () => {
    const { controller } = controllerOver(MAX_MINUTE_WINDOWS + 5_000);
    await expect(controller.query('tenant', query)).rejects.toMatchObject({
      issues: [
        { field: 'query:from', reason: expect.stringContaining(`more than ${MAX_MINUTE_WINDOWS} minute windows`) },
      ],
    });
  });
});
