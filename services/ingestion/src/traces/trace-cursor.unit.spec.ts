import { decodeKeysetCursor, encodeKeysetCursor } from './trace-cursor';

describe('keyset cursor', () => {
  it('round-trips the instant to the microsecond', () => {
    const cursor = { at: '2026-12-04T10:00:00.123456Z', id: 'abc' };
    expect(decodeKeysetCursor(encodeKeysetCursor(cursor))).toEqual(cursor);
  });

  it('refuses what it did not hand out', () => {
    for (const text of [
      'garbage',
      Buffer.from('{"v":1,"t":"yesterday","id":"a"}').toString('base64url'),
      Buffer.from('{"v":2}').toString('base64url'),
    ]) {
      expect(() => decodeKeysetCursor(text)).toThrow(expect.objectContaining({ code: 'INVALID_CURSOR' }));
    }
  });
});
