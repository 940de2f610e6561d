/** The label value that stands for every key outside a group's top K. */
export const OTHER_LABEL = 'other';

/**
 * Keeps a metric label bounded: within each group (a tenant), only the K keys (workflows) counted
 * most often get a label of their own; every other key is folded into `other`. Prometheus stores
 * one series per label value, so a tenant with thousands of workflows must not make thousands of
 * series. A key that overtakes the least counted labelled key takes its place (its earlier counts
 * stay under `other`, which `rate()` tolerates); the key it displaces is folded from then on.
 *
 * Memory is bounded too: at most `maxTrackedPerGroup` counts are kept per group, and when that is
 * full the least counted unlabelled key is forgotten to make room.
 */
export class TopKLabelFolder {
  private readonly groups = new Map<string, { counts: Map<string, number>; labelled: Set<string> }>();

  constructor(
    private readonly topK: number,
    private readonly maxTrackedPerGroup: number = Math.max(topK * 10, topK + 1),
  ) {
    if (!Number.isInteger(topK) || topK < 1) throw new RangeError(`topK must be a positive integer, got ${topK}`);
    if (maxTrackedPerGroup <= topK) throw new RangeError('maxTrackedPerGroup must exceed topK');
  }

  /** Counts one occurrence of `key` in `group` and returns the label to record it under. */
  label(group: string, key: string): string {
    const state = this.groupState(group);
    const count = (state.counts.get(key) ?? 0) + 1;
    if (!state.counts.has(key) && state.counts.size >= this.maxTrackedPerGroup) this.forgetLeastCounted(state);
    state.counts.set(key, count);
    if (state.labelled.has(key)) return key;
    if (state.labelled.size < this.topK) {
      state.labelled.add(key);
      return key;
    }
    const weakest = this.leastCounted(state.labelled, state.counts);
    if (weakest !== undefined && count > (state.counts.get(weakest) ?? 0)) {
      state.labelled.delete(weakest);
      state.labelled.add(key);
      return key;
    }
    return OTHER_LABEL;
  }

  private groupState(group: string): { counts: Map<string, number>; labelled: Set<string> } {
    let state = this.groups.get(group);
    if (!state) {
      state = { counts: new Map(), labelled: new Set() };
      this.groups.set(group, state);
    }
    return state;
  }

  private forgetLeastCounted(state: { counts: Map<string, number>; labelled: Set<string> }): void {
    const unlabelled = [...state.counts.keys()].filter((key) => !state.labelled.has(key));
    const victim = this.leastCounted(unlabelled, state.counts);
    if (victim !== undefined) state.counts.delete(victim);
  }

  private leastCounted(keys: Iterable<string>, counts: Map<string, number>): string | undefined {
    let least: string | undefined;
    let leastCount = Infinity;
    for (const key of keys) {
      const count = counts.get(key) ?? 0;
      if (count < leastCount) {
        least = key;
        leastCount = count;
      }
    }
    return least;
  }
}
