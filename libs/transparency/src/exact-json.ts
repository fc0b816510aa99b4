/**
 * JSON read without losing what the event's hash covers. `JSON.parse` turns every number into a double, so
 * `12345678901234567890` and `12345678901234567000`, or `1.50` and `1.5`, read the same: an export could show a
 * reader one number while the hash was computed over another. Here a number keeps its text (a `JsonNumber`), and an
 * object that names a key twice, or a string PostgreSQL could not have stored, is refused rather than read one way.
 */

/** A JSON number as written, for jsonb's numeric output (`jsonbNumberText`). */
export class JsonNumber {
  constructor(readonly text: string) {}
}

export class ExactJsonError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at character ${offset + 1}`);
    this.name = 'ExactJsonError';
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WHITESPACE = /[ \t\n\r]*/y;
// With the u flag a well-formed pair is one code point: only a lone surrogate matches.
const LONE_SURROGATE = /\p{Cs}/u;
// The raw text of a string up to its closing quote: no unescaped quote, backslash or control character inside.
// eslint-disable-next-line no-control-regex -- a raw control character is exactly what JSON refuses in a string
const STRING_BODY = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

/**
 * Parses one JSON text: objects and arrays as usual (objects with a null prototype, so `__proto__` is an ordinary
 * key), numbers as `JsonNumber`. Refuses what jsonb could not hold (`\u0000`, lone surrogates) and duplicate keys.
 */
export function parseExactJson(text: string): unknown {
  let at = 0;
  const fail = (message: string): never => {
    throw new ExactJsonError(message, at);
  };
  const skip = () => {
    WHITESPACE.lastIndex = at;
    WHITESPACE.exec(text);
    at = WHITESPACE.lastIndex;
  };
  const string = (): string => {
    STRING_BODY.lastIndex = at;
    if (!STRING_BODY.test(text)) fail('invalid string');
    const raw = text.slice(at, STRING_BODY.lastIndex);
    at = STRING_BODY.lastIndex;
    if (!raw.includes('\\')) return raw.slice(1, -1);
    const value = JSON.parse(raw) as string;
    if (value.includes('\u0000')) fail('a string with \\u0000, which jsonb cannot hold,');
    if (LONE_SURROGATE.test(value)) fail('a string with a lone surrogate, which jsonb cannot hold,');
    return value;
  };
  const value = (depth: number): unknown => {
    if (depth > 1000) fail('nesting too deep');
    skip();
    const c = text[at];
    if (c === '{') {
      at += 1;
      const object = Object.create(null) as Record<string, unknown>;
      skip();
      if (text[at] === '}') {
        at += 1;
        return object;
      }
      for (;;) {
        skip();
        if (text[at] !== '"') fail('expected a key');
        const keyAt = at;
        const key = string();
        if (Object.prototype.hasOwnProperty.call(object, key)) {
          at = keyAt;
          fail(`the key ${JSON.stringify(key)} appears twice`);
        }
        skip();
        if (text[at] !== ':') fail("expected ':'");
        at += 1;
        object[key] = value(depth + 1);
        skip();
        if (text[at] === ',') {
          at += 1;
          continue;
        }
        if (text[at] === '}') {
          at += 1;
          return object;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      at += 1;
      const array: unknown[] = [];
      skip();
      if (text[at] === ']') {
        at += 1;
        return array;
      }
      for (;;) {
        array.push(value(depth + 1));
        skip();
        if (text[at] === ',') {
          at += 1;
          continue;
        }
        if (text[at] === ']') {
          at += 1;
          return array;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return string();
    if (text.startsWith('true', at)) {
      at += 4;
      return true;
    }
    if (text.startsWith('false', at)) {
      at += 5;
      return false;
    }
    if (text.startsWith('null', at)) {
      at += 4;
      return null;
    }
    NUMBER.lastIndex = at;
    const number = NUMBER.exec(text);
    if (!number) return fail('unexpected character');
    at = NUMBER.lastIndex;
    return new JsonNumber(number[0]);
  };
  const result = value(0);
  skip();
  if (at !== text.length) fail('unexpected text after the value');
  return result;
}
