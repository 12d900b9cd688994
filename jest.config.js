// One Jest run, three projects. Integration tests talk to real Redis and PostgreSQL; e2e tests
// go through real nginx to real replicas started by the native launcher.
// tsconfig's isolatedModules makes ts-jest transpile file by file; `tsc --noEmit` in npm test type-checks.
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json' }];

// The launcher's modules are plain ESM (they run before `npm ci`); TypeScript imports them, and
// Jest's CommonJS runtime gets them through a small esbuild transform.
const base = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': tsJest, '^.+\\.mjs$': '<rootDir>/test/support/mjs-transform.cjs' },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 30_000,
  // The default output, then every skipped test by name (and, under npm test, into its summary).
  reporters: ['default', '<rootDir>/test/support/skip-reporter.js'],
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...base,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/integration-setup.mjs',
      globalTeardown: '<rootDir>/test/support/integration-teardown.mjs',
    },
    {
      ...base,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/e2e-setup.ts',
      globalTeardown: '<rootDir>/test/support/e2e-teardown.ts',
    },
    // Not part of `npm test`: `npm run test:containers` (Docker engine + docker-compose needed).
    {
      ...base,
      displayName: 'containers',
      testMatch: ['<rootDir>/test/containers/**/*.test.ts'],
      globalSetup: '<rootDir>/test/containers/setup.ts',
      globalTeardown: '<rootDir>/test/containers/teardown.ts',
    },
  ],
};
