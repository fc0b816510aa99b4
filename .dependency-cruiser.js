/**
 * Module boundaries of the monorepo (DESIGN.md section 1, STYLE.md rule 12), checked in `npm test`.
 * A wrong import fails the build instead of waiting for a reviewer.
 */
/**
 * What must stay pure: every decider and every domain module's coded errors (the gateway's are HTTP errors), the
 * domain kernel itself, the spend arithmetic deciders use, and the pricing engine (catalog, costs, what-if).
 */
const PURE = '(^services/(?!gateway/).*(\\.decider|\\.errors)\\.ts$|^libs/(domain|spend-analytics|pricing)/src/)';
/** Packages a pure module may reach: exact decimals, the price dataset (plain data, read by the pricing engine) and
 * RE2 (re2js, pure JavaScript: the pricing engine's linear-time regex matching). */
const PURE_PACKAGES = ['decimal\\.js', '@pydantic/genai-prices', 're2js'];

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
      name: 'domain-is-pure',
      comment:
        'Deciders, coded errors and the domain kernel are pure however deep the imports go: they reach the kernel, ' +
        'contracts, their own pure helpers and decimal.js, never a framework, a driver, a Node built-in or I/O code.',
      severity: 'error',
      from: { path: PURE, pathNot: '\\.spec\\.ts$' },
      to: {
        reachable: true,
        path: `(node_modules/(?!(${PURE_PACKAGES.join('|')})/)|/generated/prisma/|\\.(handler|projection|queries|controller|module|repository|consumer)\\.ts$|^libs/(?!(domain|spend-analytics|pricing)/)[^/]+/|^services/[^/]+/src/[^/]+\\.(core|config)\\.ts$)`,
      },
    },
    {
      name: 'domain-uses-no-node-built-ins',
      comment: 'Time, randomness and I/O come into a decider with its command; the kernel and deciders use no Node built-in.',
      severity: 'error',
      from: { path: PURE, pathNot: '\\.spec\\.ts$' },
      to: { dependencyTypes: ['core'] },
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
        "for the SDK, the pure spend-analytics functions (the forecast) and the proxy providers' table (their names), " +
        'never a service or a server library.',
      severity: 'error',
      from: { path: '^web/src/' },
      to: {
        pathNot:
          '(^web/src/|node_modules|^libs/sdk/src/generated/|^libs/spend-analytics/src/(forecast|calendar|amount)\\.ts$|' +
          '^contracts/src/proxy/proxy-(providers|errors)\\.ts$)',
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
