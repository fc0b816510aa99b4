import { decodeUsageCursor, encodeUsageCursor } from './usage-cursor';
import { IngestionErrorCode } from '@llmlab/contracts';

describe('usage cursor', () => {
  it('round-trips, and is URL-safe', () => {
    const cursor = { occurredAt: '2025-06-01T12:00:00.123Z', eventId: 'evt/+?=é' };
    const text = encodeUsageCursor(cursor);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeUsageCursor(text)).toEqual(cursor);
  });

  it.each([
    'not-a-cursor',
    '',
    Buffer.from('{"v":2,"t":"2025-06-01T00:00:00Z","id":"a"}').toString('base64url'),
    Buffer.from('{"v":1,"t":"yesterday","id":"a"}').toString('base64url'),
    Buffer.from('{"v":1,"t":"2025-06-01T00:00:00Z","id":""}').toString('base64url'),
    Buffer.from('[1]').toString('base64url'),
  ])('refuses %p with INVALID_CURSOR', (text) => {
    expect(() => decodeUsageCursor(text)).toThrow(expect.objectContaining({ code: IngestionErrorCode.InvalidCursor }));
  });
});
