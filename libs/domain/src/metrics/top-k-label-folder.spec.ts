import { OTHER_LABEL, TopKLabelFolder } from './top-k-label-folder';

describe('TopKLabelFolder', () => {
  it('labels the first K keys of a group and folds the rest into other', () => {
    const folder = new TopKLabelFolder(2);
    expect(folder.label('tenant-a', 'wf-1')).toBe('wf-1');
    expect(folder.label('tenant-a', 'wf-2')).toBe('wf-2');
    expect(folder.label('tenant-a', 'wf-3')).toBe(OTHER_LABEL);
    expect(folder.label('tenant-a', 'wf-1')).toBe('wf-1');
  });

  it('caps each group on its own', () => {
    const folder = new TopKLabelFolder(1);
    expect(folder.label('tenant-a', 'wf-1')).toBe('wf-1');
    expect(folder.label('tenant-b', 'wf-9')).toBe('wf-9');
    expect(folder.label('tenant-a', 'wf-9')).toBe(OTHER_LABEL);
  });

  it('gives the label to a key that overtakes the least counted labelled key', () => {
    const folder = new TopKLabelFolder(1);
    folder.label('t', 'rare');
    expect(folder.label('t', 'busy')).toBe(OTHER_LABEL); // 1 vs 1: not more
    expect(folder.label('t', 'busy')).toBe('busy'); // 2 vs 1
    expect(folder.label('t', 'rare')).toBe(OTHER_LABEL); // displaced: 2 vs 2 is not more
  });

  it('returns at most K distinct labels besides other, however many keys share the traffic', () => {
    const folder = new TopKLabelFolder(3);
    const labels = new Set<string>();
    for (let round = 0; round < 50; round += 1) {
      for (let key = 0; key < 10; key += 1) labels.add(folder.label('t', `wf-${key}`));
    }
    expect([...labels].sort()).toEqual(['other', 'wf-0', 'wf-1', 'wf-2']);
  });

  it('keeps a heavy key labelled while many light keys come and go', () => {
    const folder = new TopKLabelFolder(1, 5);
    for (let i = 0; i < 10; i += 1) folder.label('t', 'heavy');
    for (let i = 0; i < 100; i += 1) expect(folder.label('t', `light-${i}`)).toBe(OTHER_LABEL);
    expect(folder.label('t', 'heavy')).toBe('heavy');
  });

  it('refuses a cap that is not a positive integer', () => {
    expect(() => new TopKLabelFolder(0)).toThrow(RangeError);
    expect(() => new TopKLabelFolder(2, 2)).toThrow(RangeError);
  });
});
