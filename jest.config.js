/**
 * Three tiers, one run: `unit` (pure logic, no I/O), `medium` (one component against real Kafka
 * and Postgres), `e2e` (all services as processes, real HTTP). Kafka and Postgres are provisioned
 * once for the run by test/setup (local processes, testcontainers, or KAFKA_BROKERS/DATABASE_URL).
 */
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

const common = {
  rootDir: __dirname,
  testEnvironment: '<rootDir>/test/setup/node-environment.js',
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: { '^@app/([a-z-]+)$': '<rootDir>/libs/$1/src' },
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/.data/'],
};

module.exports = {
  // Per-hook and per-test limit; the e2e suite's start-up hook sets its own.
  testTimeout: 60_000,
  // Exit once the results are written and Kafka and Postgres are stopped, even if a failed test
  // left a client connected: with one worker (2 cores) jest runs the tests in its own process and
  // would otherwise wait for it forever, and CI would time out instead of reporting the failure.
  // Find such leaks with `--detectOpenHandles` (jest suggests it after every run with forceExit).
  forceExit: true,
  globalSetup: '<rootDir>/test/setup/global-setup.js',
  globalTeardown: '<rootDir>/test/setup/global-teardown.js',
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts', '<rootDir>/test/unit/**/*.spec.ts'],
    },
    {
      ...common,
      displayName: 'medium',
      testMatch: ['<rootDir>/test/medium/**/*.medium-spec.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
    },
  ],
};
