import { ConfigError, commonEnv, configHelpers, domainServiceEnv, loadConfig } from './config';

describe('loadConfig', () => {
  it('applies defaults and coerces types', () => {
    const cfg = loadConfig({ ...domainServiceEnv, HTTP_PORT: configHelpers.port(3101) }, {});
    expect(cfg.HTTP_PORT).toBe(3101);
    expect(cfg.MIGRATE_ON_START).toBe(true);
    expect(cfg.NATS_URL).toBe('nats://127.0.0.1:4222');
  });

  it('fails fast naming every bad variable', () => {
    const load = () =>
      loadConfig(
        { ...domainServiceEnv, HTTP_PORT: configHelpers.port(1) },
        {
          DATABASE_URL: 'mysql://x',
          HTTP_PORT: 'seventy',
          LOG_LEVEL: 'loud',
        },
      );
    expect(load).toThrow(ConfigError);
    try {
      load();
    } catch (e) {
      const vars = (e as ConfigError).problems.map((p) => p.variable).sort();
      expect(vars).toEqual(['DATABASE_URL', 'HTTP_PORT', 'LOG_LEVEL']);
      expect((e as Error).message).toContain('DATABASE_URL: must be a URL with scheme postgres or postgresql');
    }
  });

  it('rejects a NATS prefix that would break subjects', () => {
    expect(() => loadConfig(commonEnv, { NATS_PREFIX: 'a.b' })).toThrow(/NATS_PREFIX/);
  });
});
