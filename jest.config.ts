/** @jest-config-loader ts-node */
/** @jest-config-loader-options {"transpileOnly": true} */
import type { Config } from 'jest'

// Tests run as native ESM (jose 6 is ESM-only) and are transformed by SWC, which strips types without
// needing TypeScript's compiler API; `tsc` type-checks everything separately in `npm test`.
const swc: [string, Record<string, unknown>] = [
  '@swc/jest',
  {
    jsc: {
      // Legacy decorators with metadata, as NestJS (packages/nestjs, examples/nestjs) needs; inert elsewhere.
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  },
]

const packages = ['core', 'testing', 'express', 'koa', 'fastify', 'nestjs', 'redis', 'cli', 'mcp']

function project(displayName: string, roots: string[]): Config {
  return {
    displayName,
    roots,
    testEnvironment: 'node',
    extensionsToTreatAsEsm: ['.ts'],
    transform: { '^.+\\.ts$': swc },
    moduleNameMapper: {
      // Workspace packages are tested from source, so no build is needed between edits.
      '^@tokenguard/([a-z]+)$': '<rootDir>/packages/$1/src/index.ts',
      '^(\\.{1,2}/.*)\\.js$': '$1',
    },
    testMatch: ['**/*.test.ts'],
    // Redirects only @fastify/middie's ESM-only path-to-regexp (see the file); inert for every other import.
    resolver: '<rootDir>/packages/nestjs/test/support/jest-resolver.cjs',
    rootDir: __dirname,
  }
}

const config: Config = {
  projects: [
    ...packages.map((name) => project(name, [`<rootDir>/packages/${name}/test`])),
    project('examples', ['<rootDir>/examples']),
  ],
  coverageProvider: 'v8',
  coverageReporters: ['text-summary', 'lcov'],
  collectCoverageFrom: ['packages/*/src/**/*.ts'],
  coverageThreshold: {
    global: {},
    './packages/core/src/': { lines: 95, branches: 95 },
  },
  testTimeout: 30_000,
}

export default config
