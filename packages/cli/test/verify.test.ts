import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createTestIssuer, type TestIssuer } from '@tokenguard/testing'
import { buildCli, leaks, runCli } from './run-cli.js'

interface Check {
  check: string
  status: 'pass' | 'fail' | 'skip' | 'offline'
  message: string
  code?: string
}
interface VerifyReport {
  verdict: string
  valid: boolean
  exitCode: number
  code?: string
  reason?: { check: string; message: string }
  checks: Check[]
  fetches: { discovery: { durationMs: number }[]; jwks: { durationMs: number; keyCount?: number }[] }
}

let issuer: TestIssuer
let options: string[]

beforeAll(async () => {
  buildCli()
  issuer = await createTestIssuer()
  options = ['--issuer', issuer.url, '--audience', 'https://api.test']
}, 120_000)

afterAll(() => issuer.close())

async function verifyJson(
  token: string,
  extra: string[] = [],
): Promise<{ code: number | null; report: VerifyReport }> {
  const run = await runCli(['verify', ...options, ...extra, '--json'], token)
  expect(leaks(run, token)).toBe(false)
  return { code: run.code, report: JSON.parse(run.stdout) as VerifyReport }
}

function statuses(report: VerifyReport): Record<string, string> {
  return Object.fromEntries(report.checks.map(({ check, status }) => [check, status]))
}

describe('tokenguard verify', () => {
  it('prints every check in order and exits 0 for a token the verifier accepts', async () => {
    const token = await issuer.sign({ scope: 'read write' })
    const run = await runCli(['verify', ...options, '--scopes', 'read'], token)
    expect(run.code).toBe(0)
    const order = [...run.stdout.matchAll(/^ {2}(PASS|FAIL|SKIP|OFFLINE) +(\S+)/gm)].map(
      (match) => `${match[1]} ${match[2]}`,
    )
    expect(order).toEqual([
      'PASS discovery',
      'PASS jwks',
      'PASS syntax',
      'PASS iss',
      'PASS alg',
      'PASS typ',
      'PASS kid',
      'PASS signature',
      'PASS aud',
      'PASS exp',
      'PASS nbf',
      'PASS iat',
      'PASS scopes',
    ])
    expect(run.stdout).toMatch(
      /jwks +http:\/\/127\.0\.0\.1:\d+\/jwks .*1 usable key\(s\), 0 skipped .*HTTP 200, \d+ ms/,
    )
    expect(run.stdout).toContain(`kid "${issuer.kid}" found in ${issuer.jwksUri}`)
    expect(run.stdout).toContain('Result: VALID')
    expect(leaks(run, token)).toBe(false)
  })

  it('goes on past failed claims and reports each, with the core refusal as the verdict (exit 1)', async () => {
    const token = await issuer.sign({ scope: 'read' }, { audience: 'https://other.api', expiresIn: -7200 })
    const { code, report } = await verifyJson(token, ['--scopes', 'admin', '--required-claims', 'exp,tenant'])
    expect(code).toBe(1)
    expect(report).toMatchObject({ verdict: 'invalid', valid: false, exitCode: 1, code: 'claim_invalid' })
    expect(statuses(report)).toMatchObject({
      signature: 'pass',
      aud: 'fail',
      exp: 'fail',
      tenant: 'fail',
      iat: 'pass',
      scopes: 'fail',
    })
    // The core refused at its first failing rule (a missing required claim); its reason is reported there.
    expect(report.reason?.message).toBe('required claim "tenant" is missing')
    const tenant = report.checks.find((check) => check.check === 'tenant')
    expect(tenant).toMatchObject({ code: 'claim_invalid', message: 'required claim "tenant" is missing' })
    expect(report.checks.find((check) => check.check === 'exp')?.message).toMatch(/^expired .*\(2 h ago\)/)
  })

  it('refuses with the guard when the verifier accepts but a required scope is missing (exit 1)', async () => {
    const token = await issuer.sign({ scope: 'read', roles: ['admin'] })
    const denied = await verifyJson(token, ['--scopes', 'read,write'])
    expect(denied.code).toBe(1)
    expect(denied.report).toMatchObject({ verdict: 'invalid', code: 'insufficient_scope' })
    expect(denied.report.checks.at(-1)).toMatchObject({
      check: 'scopes',
      status: 'fail',
      code: 'insufficient_scope',
    })
    const granted = await runCli(
      ['verify', '--issuer', issuer.url, '--any-audience', '--roles', 'admin', '--json'],
      token,
    )
    expect(granted.code).toBe(0)
    const report = JSON.parse(granted.stdout) as VerifyReport
    expect(statuses(report)).toMatchObject({ aud: 'skip', roles: 'pass' })
  })

  it('reports an expired token with the core reason and honours --clock-tolerance', async () => {
    const token = await issuer.sign({}, { expiresIn: -60 })
    const { code, report } = await verifyJson(token, ['--clock-tolerance', '30'])
    expect(code).toBe(1)
    expect(report.code).toBe('token_expired')
    expect(report.checks.find((check) => check.check === 'exp')).toMatchObject({
      status: 'fail',
      code: 'token_expired',
      message: expect.stringMatching(/clock tolerance 30 s/),
    })
    const tolerated = await verifyJson(await issuer.sign({}, { expiresIn: -20 }), ['--clock-tolerance', '30'])
    expect(tolerated.code).toBe(0)
  })

  it('checks the signature and claims of a token from an untrusted issuer with the configured keys', async () => {
    const token = await issuer.sign({ iss: 'https://other.example/' }, { audience: 'https://other.api' })
    const { code, report } = await verifyJson(token)
    expect(code).toBe(1)
    expect(report.reason?.check).toBe('iss')
    expect(statuses(report)).toMatchObject({
      iss: 'fail',
      kid: 'pass',
      signature: 'pass',
      aud: 'fail',
      exp: 'pass',
    })
  })

  it('stops at a bad signature: no claim is reported as passing', async () => {
    const token = await issuer.sign()
    const [header, , signature] = token.split('.')
    const forged = Buffer.from(
      JSON.stringify({ iss: issuer.url, aud: 'https://api.test', sub: 'admin' }),
    ).toString('base64url')
    const { code, report } = await verifyJson(`${header}.${forged}.${signature}`, ['--scopes', 'read'])
    expect(code).toBe(1)
    expect(report.code).toBe('signature_invalid')
    expect(statuses(report)).toEqual({
      discovery: 'pass',
      jwks: 'pass',
      syntax: 'pass',
      iss: 'pass',
      alg: 'pass',
      typ: 'pass',
      kid: 'pass',
      signature: 'fail',
      claims: 'skip',
      scopes: 'skip',
    })
  })

  it('reports an unknown kid and an algorithm outside --algorithms where the verifier stops', async () => {
    const unknown = await verifyJson(await issuer.sign({}, { header: { kid: 'retired-key' } }))
    expect(unknown.report.code).toBe('key_not_found')
    expect(statuses(unknown.report)).toMatchObject({ kid: 'fail', signature: 'skip' })
    const refused = await verifyJson(await issuer.sign(), ['--algorithms', 'ES256'])
    expect(refused.report.code).toBe('algorithm_not_allowed')
    expect(statuses(refused.report)).toMatchObject({
      alg: 'fail',
      typ: 'skip',
      kid: 'skip',
      signature: 'skip',
    })
  })

  it('reports a cnf-bound token as "binding not verifiable offline", invalid as a bearer token', async () => {
    const token = await issuer.sign({ cnf: { jkt: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' } })
    const run = await runCli(['verify', ...options], token)
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/^ {2}OFFLINE +cnf +binding not verifiable offline: bound to a DPoP key/m)
    expect(run.stdout).toContain('Result: INVALID: binding_unverified')
  })

  it('says what was wrong with input that is not a JWT (exit 1), from the verifier', async () => {
    const { code, report } = await verifyJson('not-a-token')
    expect(code).toBe(1)
    expect(report.code).toBe('token_malformed')
    expect(report.checks).toEqual([expect.objectContaining({ check: 'syntax', status: 'fail' })])
  })

  it('reports a token the core finds malformed after decoding as a syntax failure, nothing after it run', async () => {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
    const { code, report } = await verifyJson(`${encode({ typ: 'JWT' })}.${encode({ sub: 'x' })}.c2ln`)
    expect(code).toBe(1)
    expect(report.code).toBe('token_malformed')
    expect(report.checks.find((check) => check.check === 'syntax')).toMatchObject({
      status: 'fail',
      message: 'the header has no alg',
    })
    expect(statuses(report)).toMatchObject({ iss: 'skip', alg: 'skip', signature: 'skip', claims: 'skip' })
  })

  it('exits 3 when the issuer is unreachable, with the fetch that failed', async () => {
    const down = await createTestIssuer()
    const token = await down.sign()
    await down.close()
    const run = await runCli(
      ['verify', '--issuer', down.url, '--audience', 'https://api.test', '--timeout', '2000'],
      token,
    )
    expect(run.code).toBe(3)
    expect(run.stdout).toMatch(/FAIL +discovery +http:\/\/127\.0\.0\.1:\d+\/\.well-known\/.*ECONNREFUSED/)
    expect(run.stdout).toContain('Result: UNREACHABLE: keys_unavailable')
  })

  it('takes --jwks-uri instead of discovery', async () => {
    const { code, report } = await verifyJson(await issuer.sign(), ['--jwks-uri', issuer.jwksUri])
    expect(code).toBe(0)
    expect(report.checks.some((check) => check.check === 'discovery')).toBe(false)
    expect(report.fetches.jwks[0]?.keyCount).toBe(1)
  })

  it('reads the token from stdin; an argument works with a warning', async () => {
    const token = await issuer.sign()
    const run = await runCli(['verify', ...options, token])
    expect(run.code).toBe(0)
    expect(run.stderr).toContain('warning: a token given as an argument')
  })
})
