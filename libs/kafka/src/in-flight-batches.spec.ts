import { InFlightBatches, type InFlightBatch } from './in-flight-batches';

const batch = (partition: number, firstOffset: number, nextOffset: number): InFlightBatch => ({
  topic: 'in',
  partition,
  firstOffset: String(firstOffset),
  nextOffset: String(nextOffset),
});

describe('InFlightBatches', () => {
  it('announces the furthest offset in flight of each partition, until its commits landed', () => {
    const inFlight = new InFlightBatches();
    const [a, b, c] = [batch(0, 0, 10), batch(0, 10, 25), batch(1, 5, 7)];
    [a, b, c].forEach((entry) => inFlight.add(entry));
    expect(inFlight.pending()).toEqual([
      { topic: 'in', partition: 0, offset: '25' },
      { topic: 'in', partition: 1, offset: '7' },
    ]);
    inFlight.committed(a);
    inFlight.committed(c);
    expect(inFlight.pending()).toEqual([{ topic: 'in', partition: 0, offset: '25' }]);
    inFlight.committed(b);
    expect(inFlight.pending()).toEqual([]);
  });

  it('rewinds each partition with a batch in flight to its oldest one, and forgets them all', () => {
    const inFlight = new InFlightBatches();
    [batch(0, 0, 10), batch(0, 10, 25), batch(1, 5, 7)].forEach((entry) => inFlight.add(entry));
    expect(inFlight.rewind()).toEqual([
      { topic: 'in', partition: 0, offset: '0' },
      { topic: 'in', partition: 1, offset: '5' },
    ]);
    expect(inFlight.pending()).toEqual([]);
    expect(inFlight.rewind()).toEqual([]);
  });

  it('ignores the commit of a batch it no longer holds (rewound meanwhile)', () => {
    const inFlight = new InFlightBatches();
    const first = batch(0, 0, 10);
    inFlight.add(first);
    inFlight.rewind();
    const again = batch(0, 0, 12);
    inFlight.add(again);
    inFlight.committed(first);
    expect(inFlight.pending()).toEqual([{ topic: 'in', partition: 0, offset: '12' }]);
  });
});
