import { derivedId } from './derived-id';

const NAMESPACE = '8e3f1c52-6a0d-4b8e-9c1a-2f5d7b9e4a36';

describe('derivedId', () => {
  it('names the same thing the same way, and what is stored under it keeps its name', () => {
    expect(derivedId(NAMESPACE, 'threshold:b-1:2026-05:80')).toBe(derivedId(NAMESPACE, 'threshold:b-1:2026-05:80'));
    // Ids already in event stores were derived this way: the value may never change.
    expect(derivedId(NAMESPACE, 'threshold:b-1:2026-05:80')).toBe('4d25280b-b4a9-56ba-b958-1afd15e15f88');
  });

  it('tells parts apart from their concatenation, and namespaces apart', () => {
    expect(derivedId(NAMESPACE, 'a', 'b')).not.toBe(derivedId(NAMESPACE, 'ab'));
    expect(derivedId(NAMESPACE, 'a', 1)).toBe(derivedId(NAMESPACE, 'a\u00001'));
    expect(derivedId(NAMESPACE, 'a')).not.toBe(derivedId('4f0c6f53-1d0e-4a4b-9f2c-7f1d3c2b8e61', 'a'));
  });
});
