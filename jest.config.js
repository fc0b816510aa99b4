// Jest runs TypeScript through SWC (decorators + metadata for NestJS), one project per test tier.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

// The tiers on real PostgreSQL, NATS and Redis (and the browser's on the booted platform) get 30 s per test and hook
// (real-components.setup.ts: Jest ignores a project's own `testTimeout`).
const realComponents = { setupFilesAfterEnv: ['<rootDir>/libs/testing/src/real-components.setup.ts'] };

const shared = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc, '^.+/node_modules/(content-disposition|@opentelemetry/otlp-exporter-base)/.+\\.js$': swc },
  // Jest's CommonJS sandbox cannot require ES modules, nor run `import()`: these dependencies (an ESM-only one, and
  // the OTLP exporters' transport, which imports `http` dynamically) are compiled to CommonJS.
  transformIgnorePatterns: ['/node_modules/(?!(content-disposition|@opentelemetry/otlp-exporter-base)/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: {
    '^@llmlab/contracts$': '<rootDir>/contracts/src',
    '^@llmlab/([a-z-]+)$': '<rootDir>/libs/$1/src',
  },
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
};

module.exports = {
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/**/*.unit.spec.ts'] },
    {
      ...shared,
      ...realComponents,
      displayName: 'int',
      testMatch: ['<rootDir>/**/*.int.spec.ts'],
      globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
      globalTeardown: '<rootDir>/libs/testing/src/global-teardown.ts',
    },
    {
      ...shared,
      ...realComponents,
      displayName: 'e2e',
      testMatch: ['<rootDir>/**/*.e2e.spec.ts'],
      globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
      globalTeardown: '<rootDir>/libs/testing/src/global-teardown.ts',
    },
    {
      // The dashboard in Debian's Chromium (playwright-core) against the whole platform.
      ...shared,
      ...realComponents,
      displayName: 'browser',
      testMatch: ['<rootDir>/web/e2e/**/*.browser.spec.ts'],
      globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
      globalTeardown: '<rootDir>/libs/testing/src/global-teardown.ts',
    },
  ],
};
