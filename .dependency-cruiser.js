/**
 * Module boundaries of the monorepo (DESIGN.md section 1, STYLE.md rule 12), checked in `npm test`.
 * A wrong import fails the build instead of waiting for a reviewer.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-service-to-other-service',
      comment: 'A service never imports another service: share through libs/ and contracts/, talk over NATS.',
      severity: 'error',
      from: { path: '^services/([^/]+)/' },
      to: { path: '^services/([^/]+)/', pathNot: '^services/$1/' },
    },
    {
      name: 'no-lib-to-service',
      comment: 'Libraries are shared by services; they cannot depend on one.',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^services/' },
    },
    {
      name: 'contracts-stand-alone',
      comment: 'contracts/ declares messages, subjects and events only: no runtime library, no service.',
      severity: 'error',
      from: { path: '^contracts/' },
      to: { path: '^(libs|services)/|node_modules' },
    },
    {
      name: 'deciders-are-pure',
      comment: 'A decider is pure domain logic: nothing from Nest, Prisma, NATS, PostgreSQL or Redis.',
      severity: 'error',
      from: { path: '\\.decider\\.ts$' },
      to: {
        path: '(@nestjs|@prisma|@nats-io|node_modules/nats/|node_modules/pg/|ioredis|/generated/prisma/|\\.(handler|projection|queries|controller|module|repository)\\.ts$)',
      },
    },
    {
      name: 'no-test-helpers-in-production',
      comment: 'libs/testing is for tests only.',
      severity: 'error',
      from: { path: '^(libs|services|contracts)/', pathNot: '(\\.spec\\.ts$|^libs/testing/|/test/)' },
      to: { path: '^libs/testing/' },
    },
    {
      name: 'web-stays-in-web',
      comment:
        'The dashboard is a client of the public API: it imports its own code, npm packages, the API types generated ' +
        'for the SDK and the pure spend-analytics functions (the forecast), never a service or a server library.',
      severity: 'error',
      from: { path: '^web/src/' },
      to: {
        pathNot: '(^web/src/|node_modules|^libs/sdk/src/generated/|^libs/spend-analytics/src/(forecast|calendar|amount)\\.ts$)',
        // Node's own modules: only the drift test (run by Vitest in Node) uses them.
        dependencyTypesNot: ['core'],
      },
    },
    {
      name: 'web-shared-is-shared',
      comment: 'web/src/shared holds what every page uses; it never reaches into a page (features/) or the route table (app/).',
      severity: 'error',
      from: { path: '^web/src/shared/' },
      to: { path: '^web/src/(features|app)/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^dist/|/generated/)' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['require', 'node', 'default', 'types'] },
  },
};
