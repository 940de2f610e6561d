import { deterministicId, executionIdOf, triggerIdOf } from './deterministic-id';

describe('deterministic ids', () => {
  it('gives the same UUID-shaped id for the same parts, another for other parts', () => {
    const id = triggerIdOf('acme', '/platform', 'event-1', 'workflow-1');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(triggerIdOf('acme', '/platform', 'event-1', 'workflow-1')).toBe(id);
    expect(triggerIdOf('acme', '/platform', 'event-2', 'workflow-1')).not.toBe(id);
    expect(executionIdOf(id)).not.toBe(id);
  });

  it('does not confuse parts that concatenate alike', () => {
    expect(deterministicId('ab', 'c')).not.toBe(deterministicId('a', 'bc'));
  });
});
