import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createTestIssuer, type TestIssuer } from '@tokenguard/testing'
import { generateKeyPairSync } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { buildCli, runCli } from './run-cli.js'

interface KeysReport {
  exitCode: number
  jwks: { url: string; status: number; headers: Record<string, string>; durationMs: number }
  keys: {
    kid: string
    kty: string
    alg: string
    use: string
    size: string
    usable: boolean
    skipped?: string
  }[]
  core: string
}

function publicJwk(type: 'rsa' | 'ec', extra: Record<string, unknown>, modulusLength = 2048) {
  const { publicKey } =
    type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' })
  return { ...publicKey.export({ format: 'jwk' }), ...extra }
}

/** A JWK Set server on 127.0.0.1 serving `body` with `headers`. */
async function serveJwks(
  body: unknown,
  headers: Record<string, string>,
): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`, server }
}

let issuer: TestIssuer
let custom: { url: string; server: Server }
let unusable: { url: string; server: Server }

beforeAll(async () => {
  buildCli()
  issuer = await createTestIssuer({ alg: 'ES256' })
  custom = await serveJwks(
    {
      keys: [
        publicJwk('ec', { kid: 'good-ec', alg: 'ES256', use: 'sig' }),
        publicJwk('rsa', { kid: 'weak-rsa', alg: 'RS256' }, 1024),
        publicJwk('rsa', { kid: 'for-encryption', use: 'enc' }),
        { kid: 'evil\u001b[31m', kty: 'oct', k: 'c2VjcmV0' },
      ],
    },
    {
      'cache-control': 'public, max-age=30',
      age: '12',
      etag: '"v7"',
      expires: 'Sun, 06 Dec 2026 12:00:00 GMT',
    },
  )
  unusable = await serveJwks({ keys: [publicJwk('rsa', { kid: 'weak' }, 1024)] }, {})
}, 120_000)

afterAll(async () => {
  await issuer.close()
  for (const { server } of [custom, unusable]) await new Promise((resolve) => server.close(resolve))
})

describe('tokenguard keys', () => {
  it('follows discovery to the JWK Set and lists each key, with timings and what the core loads', async () => {
    const run = await runCli(['keys', '--issuer', issuer.url])
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(
      /^Discovery\n {2}http:\/\/127\.0\.0\.1:\d+\/\.well-known\/openid-configuration {2}HTTP 200, \d+ ms/m,
    )
    expect(run.stdout).toContain(`jwks_uri ${issuer.jwksUri}`)
    expect(run.stdout).toMatch(new RegExp(`^ {2}${issuer.kid} +EC +ES256 +sig +P-256 +usable$`, 'm'))
    expect(run.stdout).toContain('no max-age: the core caches the keys for cacheMaxAge (600 s)')
    expect(run.stdout).toMatch(/Core verifier: keys loaded: 1 usable, 0 skipped \(HTTP 200, \d+ ms\)/)
  })

  it('shows cache headers and why the core skips a key (RSA-1024, use enc, a secret key)', async () => {
    const run = await runCli(['keys', '--jwks-uri', custom.url, '--json'])
    expect(run.code).toBe(0)
    const report = JSON.parse(run.stdout) as KeysReport
    expect(report.jwks.headers).toMatchObject({
      'cache-control': 'public, max-age=30',
      age: '12',
      etag: '"v7"',
    })
    expect(report.keys).toEqual([
      { kid: 'good-ec', kty: 'EC', alg: 'ES256', use: 'sig', size: 'P-256', usable: true },
      expect.objectContaining({
        kid: 'weak-rsa',
        size: '1024 bits',
        usable: false,
        skipped: 'RSA modulus size out of bounds',
      }),
      expect.objectContaining({
        kid: 'for-encryption',
        size: '2048 bits',
        usable: false,
        skipped: 'use is not sig',
      }),
      expect.objectContaining({
        kid: 'evil\\u001b[31m',
        kty: 'oct',
        usable: false,
        skipped: 'unsupported kty',
      }),
    ])
    // The core agrees: the same set loads with one usable key and three skipped.
    expect(report.core).toMatch(/^keys loaded: 1 usable, 3 skipped/)
    const text = await runCli(['keys', '--jwks-uri', custom.url])
    expect(text.stdout).toContain(
      'the core caches the keys for 60 s (max-age 30 s, bounded to [60 s, 86400 s])',
    )
    expect(text.stdout).toMatch(/^ {4}etag +"v7"$/m)
    expect(text.stdout).not.toContain('\u001b')
  })

  it('exits 1 when no key is usable', async () => {
    const run = await runCli(['keys', '--jwks-uri', unusable.url])
    expect(run.code).toBe(1)
    expect(run.stdout).toContain('Result: NO USABLE KEY')
  })

  it('exits 3 when the issuer is unreachable', async () => {
    const down = await createTestIssuer()
    await down.close()
    const run = await runCli(['keys', '--issuer', down.url, '--timeout', '2000'])
    expect(run.code).toBe(3)
    expect(run.stdout).toMatch(
      /FAILED: http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-authorization-server: .*ECONNREFUSED/,
    )
    expect(run.stdout).toContain('Core verifier: not ready')
  })

  it('refuses a plain-http issuer that is not loopback nor allowed (exit 2), naming the option', async () => {
    const run = await runCli(['keys', '--issuer', 'http://idp.internal:8080/'])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('option "issuer" must use https:')
  })
})
