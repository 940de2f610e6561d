import { spreadsheetSafe } from './csv-download';

describe('spreadsheetSafe', () => {
  it.each(['=HYPERLINK("https://evil.example","click")', '+1+1', '-2+3', '@SUM(A1)', '\t=1', '\r=1'])(
    'quotes %j, which a spreadsheet would run as a formula',
    (name) => {
      expect(spreadsheetSafe(name)).toBe(`'${name}`);
    },
  );

  it('leaves names and numbers alone, negative numbers included', () => {
    expect(spreadsheetSafe('csat_asked')).toBe('csat_asked');
    expect(spreadsheetSafe('a=b')).toBe('a=b');
    expect(spreadsheetSafe(-2)).toBe(-2);
  });
});
