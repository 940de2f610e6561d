import { replayRefusal, type ReplayCandidate } from './replay-policy';

const failed: ReplayCandidate = { status: 'failed', replay: 0, replaysRequested: 0, hasTrigger: true };

describe('replayRefusal', () => {
  it('lets a finished, failed or skipped execution be replayed', () => {
    expect(replayRefusal(failed, false)).toBeNull();
    expect(replayRefusal({ ...failed, status: 'skipped' }, false)).toBeNull();
    expect(replayRefusal({ ...failed, replay: 2, replaysRequested: 2 }, false)).toBeNull();
  });

  it('refuses a succeeded execution unless forced', () => {
    expect(replayRefusal({ ...failed, status: 'succeeded' }, false)?.code).toBe('execution_succeeded');
    expect(replayRefusal({ ...failed, status: 'succeeded' }, true)).toBeNull();
  });

  it('refuses, even when forced, what is still running, already being replayed or has no trigger kept', () => {
    expect(replayRefusal({ ...failed, status: 'retrying' }, true)?.code).toBe('execution_in_progress');
    expect(replayRefusal({ ...failed, status: 'circuit_open' }, true)?.code).toBe('execution_in_progress');
    expect(replayRefusal({ ...failed, replaysRequested: 1 }, true)?.code).toBe('replay_in_progress');
    expect(replayRefusal({ ...failed, hasTrigger: false }, true)?.code).toBe('not_replayable');
  });
});
