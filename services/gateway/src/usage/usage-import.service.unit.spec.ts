import { importFormat } from './usage-import.service';

describe('importFormat', () => {
  it.each([
    ['text/csv', 'csv'],
    ['text/csv; charset=utf-8', 'csv'],
    ['TEXT/CSV', 'csv'],
    ['application/x-ndjson', 'jsonl'],
    ['application/jsonl; charset=utf-8', 'jsonl'],
    ['application/json', undefined],
    ['text/plain', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%s → %s', (type, format) => {
    expect(importFormat(type)).toBe(format);
  });
});
