// CLI tests spawn bin/buzzfinder.js: run the TypeScript sources there (what the tests check), never a dist/ build
// that may be older than the sources being tested (test/cli/build-stamp.test.ts covers the compiled path).
process.env.BUZZFINDER_FROM_SOURCE ??= '1';

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Type errors are caught once by `npm run typecheck`; ts-jest only transpiles, which keeps the suite fast.
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  // Quiet passing runs: no metadata-server probe (test/setup-env.ts).
  setupFiles: ['<rootDir>/test/setup-env.ts'],
  testTimeout: 120000,
  // Suites share 2 cores; tfjs-wasm and the emulators are CPU-heavy.
  maxWorkers: 2,
};
