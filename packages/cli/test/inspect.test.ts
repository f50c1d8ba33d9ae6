import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createTestIssuer, type TestIssuer } from '@tokenguard/testing'
import { buildCli, leaks, runCli, unsignedToken } from './run-cli.js'

let issuer: TestIssuer

beforeAll(async () => {
  buildCli()
  issuer = await createTestIssuer()
}, 120_000)

afterAll(() => issuer.close())

describe('tokenguard inspect', () => {
  it('shows header and claims as a table with dates and times from now, and never says valid', async () => {
    const token = await issuer.sign({ scope: 'read:items' }, { expiresIn: 240 })
    const run = await runCli(['inspect'], token)
    expect(run.code).toBe(0)
    expect(run.stderr).toBe('')
    expect(run.stdout).toMatch(/^ {2}alg +RS256$/m)
    expect(run.stdout).toMatch(/^ {2}scope +read:items$/m)
    expect(run.stdout).toMatch(/^ {2}exp +\d+ +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ +expires in 4 min$/m)
    expect(run.stdout).toContain('not verified')
    expect(run.stdout).not.toMatch(/\bvalid\b(?! (from|since))/i)
    expect(run.stdout).not.toContain('Warnings')
    expect(leaks(run, token)).toBe(false)
  })

  it('says how long ago an expired token expired, with a warning', async () => {
    const token = await issuer.sign({}, { expiresIn: -7200 })
    const run = await runCli(['inspect'], token)
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^ {2}exp .*expired 2 h ago$/m)
    expect(run.stdout).toMatch(/^ {2}! +exp +expired 2 h ago: refused \(token_expired\)$/m)
  })

  it('warns about what the verifier refuses: no exp, an alg outside the defaults, an unknown typ, a cnf binding', async () => {
    const token = unsignedToken(
      { alg: 'HS256', typ: 'dpop+jwt' },
      { iss: 'https://idp.example/', aud: 'api', cnf: { jkt: 'thumbprint' } },
    )
    const run = await runCli(['inspect', '--json'], token)
    expect(run.code).toBe(0)
    const report = JSON.parse(run.stdout) as {
      verified: boolean
      warnings: { subject: string; message: string }[]
    }
    expect(report.verified).toBe(false)
    expect(report.warnings.map((warning) => warning.subject)).toEqual(['alg', 'typ', 'exp', 'cnf'])
    expect(report.warnings[0]?.message).toContain('symmetric')
    expect(report.warnings[3]?.message).toContain('DPoP')
  })

  it('warns about alg none and a token from the future', async () => {
    const now = Math.floor(Date.now() / 1000)
    const token = unsignedToken({ alg: 'none' }, { iat: now + 3600, nbf: now + 3600, exp: now + 7200 })
    const run = await runCli(['inspect'], token)
    expect(run.stdout).toMatch(/! +alg +alg "none" .* never accepted/)
    expect(run.stdout).toMatch(/! +nbf +not valid before another 60 min/)
    expect(run.stdout).toMatch(/! +iat +issued in the future \(in 60 min\)/)
  })

  it('escapes control and bidi characters taken from the token', async () => {
    const token = await issuer.sign({ sub: 'evil\u001b[2J\u202eexe', note: 'a\nb' })
    for (const args of [['inspect'], ['inspect', '--json']]) {
      const run = await runCli(args, token)
      expect(run.stdout).not.toContain('\u001b')
      expect(run.stdout).not.toContain('\u202e')
      expect(run.stdout).toContain('\\u001b[2J\\u202eexe')
    }
  })

  it('prints times and the claims in --json for scripts', async () => {
    const token = await issuer.sign({}, { expiresIn: 240 })
    const run = await runCli(['inspect', '--json'], token)
    const report = JSON.parse(run.stdout) as {
      jwt: boolean
      tokenId: string
      header: { kid: string }
      payload: { iss: string }
      times: { exp: { relative: string } }
    }
    expect(report).toMatchObject({ jwt: true, header: { kid: issuer.kid }, payload: { iss: issuer.url } })
    expect(report.times.exp.relative).toBe('in 4 min')
    expect(report.tokenId).toMatch(/^[\w-]{16}$/)
    expect(leaks(run, token)).toBe(false)
  })

  it('refuses what is not a JWT with exit 1, without echoing it', async () => {
    const secret = 'hunter2-not-a-token'
    const run = await runCli(['inspect'], secret)
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('not a JWT: the input has 1 dot-separated segment(s)')
    expect(run.stdout + run.stderr).not.toContain(secret)
    const encrypted = await runCli(['inspect'], 'a.b.c.d.e')
    expect(encrypted.stderr).toContain('encrypted JWT (JWE)')
  })

  it('reads the token from stdin; an argument works with a warning about shell history', async () => {
    const token = await issuer.sign()
    const fromStdin = await runCli(['inspect'], `Bearer ${token}\n`)
    const fromArgument = await runCli(['inspect', token])
    expect(fromStdin.code).toBe(0)
    expect(fromStdin.stderr).toBe('')
    expect(fromArgument.code).toBe(0)
    expect(fromArgument.stderr).toContain(
      'warning: a token given as an argument is kept in your shell history',
    )
    // The same token either way: same id and claims (the times from now may have moved a second).
    const firstLine = (text: string) => text.split('\n')[0]
    expect(firstLine(fromArgument.stdout)).toBe(firstLine(fromStdin.stdout))
    expect(firstLine(fromStdin.stdout)).toMatch(/^Token [\w-]{16} /)
  })
})
