import { continuedStreak, endpointHealthAfter } from './endpoint-health';

const window = 60_000;
const at = (seconds: number) => new Date(Date.UTC(2026, 10, 24, 10, 0, seconds));

describe('endpointHealthAfter', () => {
  it('starts a streak at the first failure and disables once failures span the window', () => {
    const first = endpointHealthAfter(null, { succeeded: false, at: at(0) }, window);
    expect(first).toEqual({ failingSince: at(0), disable: false });
    expect(endpointHealthAfter(first.failingSince, { succeeded: false, at: at(59) }, window)).toEqual({
      failingSince: at(0),
      disable: false,
    });
    expect(endpointHealthAfter(first.failingSince, { succeeded: false, at: at(60) }, window).disable).toBe(true);
  });

  it('ends the streak with a success', () => {
    expect(endpointHealthAfter(at(0), { succeeded: true, at: at(120) }, window)).toEqual({
      failingSince: null,
      disable: false,
    });
  });
});

describe('continuedStreak', () => {
  const version2 = at(30);

  it("continues the endpoint's own streak across edits of its workflow, and not another URL's", () => {
    expect(continuedStreak({ failingSince: at(0).toISOString(), endpoint: 'a' }, 'a', version2)).toEqual(at(0));
    expect(continuedStreak({ failingSince: at(0).toISOString(), endpoint: 'a' }, 'b', version2)).toBeNull();
    expect(continuedStreak({ failingSince: null, endpoint: 'a' }, 'a', version2)).toBeNull();
    expect(continuedStreak(undefined, 'a', version2)).toBeNull();
  });

  it('takes a record that does not name its endpoint only when it began under the current version', () => {
    expect(continuedStreak({ failingSince: at(0).toISOString() }, 'a', version2)).toBeNull();
    expect(continuedStreak({ failingSince: at(30).toISOString() }, 'a', version2)).toEqual(at(30));
  });
});
