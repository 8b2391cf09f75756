// @ts-check
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

const libs = [
  'config',
  'contracts',
  'domain',
  'kafka',
  'local-infra',
  'observability',
  'persistence',
  'producer',
  'runtime',
  'testing',
];
const moduleNameMapper = Object.fromEntries(
  libs.map((lib) => [`^@herald/${lib}$`, `<rootDir>/libs/${lib}/src`]),
);

const common = {
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper,
  testEnvironment: 'node',
  rootDir: __dirname,
};

/** @type {import('jest').Config} */
module.exports = {
  globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
  globalTeardown: '<rootDir>/libs/testing/src/global-teardown.ts',
  // One suite at a time: the in-process Heralds of e2e suites share consumer groups, and one suite's
  // slow receivers or shutdown would otherwise hold up another's deliveries.
  maxWorkers: 1,
  // A suite that fails half-way may leave a client open; the run must still end and report.
  forceExit: true,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs}/**/*.int-spec.ts'],
      slowTestThreshold: 30,
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/libs/testing/src/each-e2e-file.ts'],
      slowTestThreshold: 60,
    },
  ],
  testTimeout: 60_000,
};
