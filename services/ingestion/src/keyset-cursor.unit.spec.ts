import { IngestionErrorCode } from '@llmlab/contracts';
import { decodeKeysetCursor, encodeKeysetCursor } from './keyset-cursor';

describe('keyset cursor', () => {
  it('round-trips the instant to the microsecond', () => {
    const cursor = { at: '2026-12-04T10:00:00.123456Z', id: 'abc' };
    expect(decodeKeysetCursor(encodeKeysetCursor(cursor))).toEqual(cursor);
  });

  it('round-trips any id, and is URL-safe', () => {
    const cursor = { at: '2025-06-01T12:00:00.123Z', id: 'evt/+?=é' };
    const text = encodeKeysetCursor(cursor);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeKeysetCursor(text)).toEqual(cursor);
  });

  it('keeps the wire format clients already hold', () => {
    // Handed out by the trace and session lists (microseconds) and by the usage-record list (milliseconds).
    const trace = 'eyJ2IjoxLCJ0IjoiMjAyNi0xMi0wNFQxMDowMDowMC4xMjM0NTZaIiwiaWQiOiJhYmMifQ';
    const usage = 'eyJ2IjoxLCJ0IjoiMjAyNS0wNi0wMVQxMjowMDowMC4xMjNaIiwiaWQiOiJldnQtMSJ9';
    expect(encodeKeysetCursor({ at: '2026-12-04T10:00:00.123456Z', id: 'abc' })).toBe(trace);
    expect(encodeKeysetCursor({ at: '2025-06-01T12:00:00.123Z', id: 'evt-1' })).toBe(usage);
    expect(decodeKeysetCursor(trace)).toEqual({ at: '2026-12-04T10:00:00.123456Z', id: 'abc' });
    expect(decodeKeysetCursor(usage)).toEqual({ at: '2025-06-01T12:00:00.123Z', id: 'evt-1' });
  });

  it.each([
    'garbage',
    '',
    Buffer.from('{"v":2}').toString('base64url'),
    Buffer.from('{"v":2,"t":"2025-06-01T00:00:00Z","id":"a"}').toString('base64url'),
    Buffer.from('{"v":1,"t":"yesterday","id":"a"}').toString('base64url'),
    Buffer.from('{"v":1,"t":"2025-06-01T00:00:00Z","id":""}').toString('base64url'),
    Buffer.from('[1]').toString('base64url'),
  ])('refuses %p with INVALID_CURSOR', (text) => {
    expect(() => decodeKeysetCursor(text)).toThrow(expect.objectContaining({ code: IngestionErrorCode.InvalidCursor }));
  });
});
