import { ConfigError, loadConfig } from '@llmlab/config';
import { trustedOriginsEnv } from './trusted-origins';

const load = (value?: string) =>
  loadConfig({ SOME_TRUSTED_ORIGINS: trustedOriginsEnv }, value === undefined ? {} : { SOME_TRUSTED_ORIGINS: value });

function problems(value: string): { variable: string; message: string }[] {
  try {
    load(value);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error(`"${value}" was accepted`);
}

describe('trustedOriginsEnv', () => {
  it('is empty when unset or blank', () => {
    expect(load().SOME_TRUSTED_ORIGINS).toEqual([]);
    expect(load(' , ').SOME_TRUSTED_ORIGINS).toEqual([]);
  });

  it('accepts http and https origins, comma-separated, trimmed, with or without a port or the root path', () => {
    expect(load(' http://127.0.0.1:43211, https://relay.internal.example ,https://[::1]:8443/').SOME_TRUSTED_ORIGINS).toEqual([
      'http://127.0.0.1:43211',
      'https://relay.internal.example',
      'https://[::1]:8443/',
    ]);
  });

  it.each([
    ['a path', 'https://relay.example/hooks/secret', 'must be scheme://host[:port] only'],
    ['credentials', 'https://user:secret@relay.example', 'must be scheme://host[:port] only'],
    ['a query', 'https://relay.example/?token=secret', 'must be scheme://host[:port] only'],
    ['another scheme', 'ftp://user:secret@relay.example', 'must be http or https'],
    ['garbage', 'not a url', 'is not a URL'],
  ])('refuses %s, naming the variable', (_what, entry, message) => {
    const found = problems(`http://127.0.0.1:1,${entry}`);
    expect(found).toEqual([{ variable: 'SOME_TRUSTED_ORIGINS', message: expect.stringContaining(message) }]);
    expect(found[0].message).not.toContain('secret');
  });
});
