import { beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The BUILT package is what users load: an ESM `import` and a CommonJS `require()` (Node ≥ 20.19
 * `require(esm)`) of `@tokenguard/core` both get a working verifier. Runs real `node` processes.
 */

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const core = join(root, 'packages', 'core')

beforeAll(() => {
  if (!existsSync(join(core, 'dist', 'index.js'))) {
    execFileSync(
      process.execPath,
      [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--build', core],
      {
        cwd: root,
        stdio: 'inherit',
      },
    )
  }
}, 120_000)

/** Signs an HS256 token and verifies it with the loaded package; prints the subject. */
const SCRIPT = `
const { createHmac } = CRYPTO
const secret = 's'.repeat(32)
const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url')
const input = b64({ alg: 'HS256' }) + '.' + b64({ iss: 'https://idp.example/', aud: 'api', sub: 'cjs-user', exp: Math.floor(Date.now() / 1000) + 60 })
const token = input + '.' + createHmac('sha256', secret).update(input).digest('base64url')
const verifier = core.createVerifier({ issuer: 'https://idp.example/', audience: 'api', secret })
verifier.verify(token).then(
  ({ payload }) => process.stdout.write(JSON.stringify({ sub: payload.sub, authError: typeof core.AuthError })),
  (error) => { process.stderr.write(String(error)); process.exit(1) },
)
`

function run(inputType: 'commonjs' | 'module', source: string): { sub: string; authError: string } {
  const env = { ...process.env }
  delete env.NODE_OPTIONS
  const out = execFileSync(process.execPath, [`--input-type=${inputType}`, '-e', source], {
    cwd: root,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return JSON.parse(out) as { sub: string; authError: string }
}

describe('built @tokenguard/core', () => {
  it('can be require()d from CommonJS', () => {
    const source = `const core = require('@tokenguard/core')\n${SCRIPT.replace('CRYPTO', "require('node:crypto')")}`
    expect(run('commonjs', source)).toEqual({ sub: 'cjs-user', authError: 'function' })
  })

  it('can be imported as ESM', () => {
    const source = `import * as core from '@tokenguard/core'\nimport * as nodeCrypto from 'node:crypto'\n${SCRIPT.replace('CRYPTO', 'nodeCrypto')}`
    expect(run('module', source)).toEqual({ sub: 'cjs-user', authError: 'function' })
  })

  it('declares an exports map with types first, dist only and the Node engine', () => {
    const manifest = JSON.parse(readFileSync(join(core, 'package.json'), 'utf8')) as {
      type: string
      exports: Record<string, Record<string, string>>
      files: string[]
      engines: { node: string }
      sideEffects: boolean
    }
    expect(manifest.type).toBe('module')
    expect(Object.keys(manifest.exports['.'] as object)[0]).toBe('types')
    // Build info stays in dist (so deleting dist rebuilds) but is not published; see scripts/check-packages.js.
    expect(manifest.files).toEqual(['dist', '!dist/.tsbuildinfo'])
    expect(manifest.engines.node).toBe('>=20.19')
    expect(manifest.sideEffects).toBe(false)
  })
})
