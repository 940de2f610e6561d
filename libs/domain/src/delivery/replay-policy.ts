import { isFinalExecutionStatus, type ExecutionStatus } from '@app/contracts';

/** What history knows of an execution when a replay of it is requested. */
export interface ReplayCandidate {
  status: ExecutionStatus;
  /** The series the latest result belongs to (0 = the first). */
  replay: number;
  /** The highest replay requested so far (equal to `replay` when none is outstanding). */
  replaysRequested: number;
  /** Whether the trigger is kept (executions that called an endpoint and finished). */
  hasTrigger: boolean;
}

export type ReplayRefusal = {
  code: 'not_replayable' | 'execution_in_progress' | 'replay_in_progress' | 'execution_succeeded';
  message: string;
};

/**
 * Whether an execution may be delivered again. Only finished executions are (a running series
 * must end first, or two would deliver at once), one replay at a time, and a succeeded one only
 * when forced: the receiver already has it.
 */
export function replayRefusal(candidate: ReplayCandidate, force: boolean): ReplayRefusal | null {
  if (!candidate.hasTrigger) {
    return {
      code: 'not_replayable',
      message: 'only finished executions that called an endpoint can be replayed (their trigger is kept)',
    };
  }
  if (!isFinalExecutionStatus(candidate.status)) {
    return { code: 'execution_in_progress', message: `the execution is ${candidate.status}; wait until it finishes` };
  }
  if (candidate.replaysRequested > candidate.replay) {
    return {
      code: 'replay_in_progress',
      message: `replay ${candidate.replaysRequested} was requested and has not reported yet`,
    };
  }
  if (candidate.status === 'succeeded' && !force) {
    return {
      code: 'execution_succeeded',
      message: 'the execution succeeded; send {"force": true} to deliver it again anyway',
    };
  }
  return null;
}
