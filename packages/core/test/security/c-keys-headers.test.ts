import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createVerifier } from '@tokenguard/core'
import { createHmac } from 'node:crypto'
import {
  attackFixture,
  expectInvalidToken,
  signJson,
  startListener,
  type AttackFixture,
  type Listener,
} from '../support/attack.js'
import { startJwksServer, type JwksServer } from '../support/jwks-server.js'
import { AUDIENCE, b64url, claims, makeKey, NOW, sign, type TestKey } from '../support/keys.js'

/** Catalog section C: keys, `kid` and header-supplied key material (items 27–36). */

let f: AttackFixture
let server: JwksServer
let attackerUrl: Listener
beforeAll(async () => {
  f = await attackFixture()
  server = await startJwksServer([f.rsa.publicJwk, f.ec.publicJwk])
  attackerUrl = await startListener()
})
afterAll(async () => {
  await server.close()
  await attackerUrl.close()
})

/** A verifier using the loopback JWK Set, so every outbound request is observable. */
const remote = () =>
  createVerifier({ issuer: server.issuer, audience: AUDIENCE, now: () => NOW * 1000, cache: false })
const remoteClaims = (extra: Record<string, unknown> = {}) => claims({ iss: server.issuer, ...extra })

describe('C27–C29 header-supplied keys are never used, and never fetched', () => {
  it('jwk, jku, x5u, x5c, x5t headers with an attacker key → 401, zero requests to any attacker URL', async () => {
    const evil = await makeKey('RS256', { kid: f.rsa.kid })
    const evilEc = await makeKey('ES256', { kid: f.ec.kid })
    const urls = [
      `${attackerUrl.url}/jwks.json`,
      `${attackerUrl.url}/latest/meta-data/`,
      `http://169.254.169.254/latest/meta-data/`,
      'file:///etc/passwd',
      `${server.url}.attacker.tld/jwks`,
      `https://issuer.example.com@127.0.0.1:${new URL(attackerUrl.url).port}/jwks`,
      `${attackerUrl.url}/#${server.jwksUri}`,
    ]
    const headers: Record<string, unknown>[] = [
      { jwk: evil.publicJwk },
      { jwk: evil.publicJwk, kid: undefined },
      ...urls.flatMap((u) => [{ jku: u }, { x5u: u }]),
      { x5c: ['MIIBszCCAVmgAwIBAgIUJunk'], x5t: 'dGh1bWI', 'x5t#S256': 'dGh1bWI' },
    ]
    const verifier = remote()
    await verifier.verify(await sign(f.rsa, remoteClaims())) // keys now cached
    const jwksHits = server.totalHits('/jwks')
    for (const header of headers) {
      const token = await sign(evil, remoteClaims({ admin: true }), { header })
      await expectInvalidToken(verifier.verify(token), ['signature_invalid', 'key_not_found'])
    }
    const ecToken = await sign(evilEc, remoteClaims(), { header: { jwk: evilEc.publicJwk } })
    await expectInvalidToken(verifier.verify(ecToken), 'signature_invalid')
    expect(attackerUrl.connections()).toBe(0)
    expect(attackerUrl.requests()).toBe(0)
    // A known kid with a bad signature is not a reason to refetch the issuer's set either.
    expect(server.totalHits('/jwks')).toBe(jwksHits)
  })
})

describe('C30–C32 kid injection, type confusion, variants', () => {
  const injections = [
    '../../../../../../dev/null',
    '/dev/null',
    '/proc/sys/kernel/randomize_va_space',
    "x' UNION SELECT '1';--",
    '|sleep 10',
    `| curl ${'http://127.0.0.1'}/RCE_in_kid`,
    '',
    'k1\u0000',
    'k1\r\nX-Injected: y',
    'k"1\\',
    'x'.repeat(5000),
  ]
  it('HS256 MACed with "" or "1" and RS256 validly signed, per injected kid → 401, no request', async () => {
    const verifier = remote()
    await verifier.verify(await sign(f.rsa, remoteClaims()))
    const before = server.totalHits()
    for (const kid of injections) {
      for (const secret of ['', '1']) {
        const input = `${b64url(JSON.stringify({ alg: 'HS256', kid }))}.${b64url(JSON.stringify(remoteClaims()))}`
        const token = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`
        const error = await expectInvalidToken(verifier.verify(token), 'algorithm_not_allowed')
        expect(error.headers['WWW-Authenticate']).not.toContain('Injected')
      }
      const rs = await sign(f.rsa, remoteClaims(), { header: { kid } })
      await expectInvalidToken(verifier.verify(rs), 'key_not_found')
    }
    // Unknown kids refetch at most once per cooldown (30 s default, clock frozen): at most one request.
    expect(server.totalHits() - before).toBeLessThanOrEqual(1)
    expect(attackerUrl.requests()).toBe(0)
  })
  it.each([1, ['k'], { k: 1 }, null, true])('kid %j (validly signed) → 401', async (kid) => {
    const token = await signJson(f.rsa, { alg: 'RS256', kid }, claims())
    await expectInvalidToken(f.verifier().verify(token), ['key_not_found', 'token_malformed'])
  })
  it('kid matching is exact: case, spaces, Unicode normalization', async () => {
    const nfc = await makeKey('RS256', { kid: 'clé' })
    const verifier = f.verifier({ keys: nfc.publicJwk })
    await expect(verifier.verify(await sign(nfc, claims()))).resolves.toBeDefined()
    for (const kid of ['CLÉ', 'clé ', ' clé', 'cle\u0301']) {
      await expectInvalidToken(
        verifier.verify(await sign(nfc, claims(), { header: { kid } })),
        'key_not_found',
      )
    }
  })
})

describe('C33–C35 missing kid, duplicate kid, unsafe keys in the set', () => {
  it('pinned: no kid + one candidate key → verifies; + two RSA keys → 401', async () => {
    const token = await sign(f.rsa, claims(), { noKid: true })
    await expect(f.verifier({ keys: f.rsa.publicJwk }).verify(token)).resolves.toBeDefined()
    const other = await makeKey('RS256')
    const two = f.verifier({ keys: { keys: [f.rsa.publicJwk, other.publicJwk] } })
    await expectInvalidToken(two.verify(token), 'key_not_found')
  })
  it('two keys sharing a kid (same or different material) → 401 (ambiguous)', async () => {
    const twin = await makeKey('RS256', { kid: f.rsa.kid })
    for (const keys of [
      [f.rsa.publicJwk, twin.publicJwk],
      [f.rsa.publicJwk, { ...f.rsa.publicJwk }],
    ]) {
      server.override('/dup', (_q, res) => res.writeHead(200).end(JSON.stringify({ keys })))
      const verifier = createVerifier({
        issuer: null,
        audience: null,
        jwksUri: `${server.url}/dup`,
        now: () => NOW * 1000,
      })
      await expectInvalidToken(verifier.verify(await sign(f.rsa, claims())), 'key_not_found')
    }
  })
  it('use:enc, key_ops:[encrypt], private members, oct keys in the set never verify anything', async () => {
    const priv = await (await import('jose')).exportJWK(f.rsa.privateKey)
    const unsafe = [
      { ...f.rsa.publicJwk, use: 'enc' },
      { ...f.rsa.publicJwk, use: undefined, key_ops: ['encrypt', 'decrypt'] },
      { ...priv, kid: f.rsa.kid, alg: 'RS256' },
    ]
    for (const jwk of unsafe) {
      server.override('/unsafe', (_q, res) => res.writeHead(200).end(JSON.stringify({ keys: [jwk] })))
      const verifier = createVerifier({
        issuer: null,
        audience: null,
        jwksUri: `${server.url}/unsafe`,
        now: () => NOW * 1000,
      })
      await expectInvalidToken(verifier.verify(await sign(f.rsa, claims())), 'key_not_found')
    }
  })
})

describe('C36 issuer ↔ key binding (multi-issuer)', () => {
  let a: TestKey
  let b: TestKey
  let serverB: JwksServer
  beforeAll(async () => {
    ;[a, b] = await Promise.all([makeKey('RS256'), makeKey('RS256')])
    server.setKeys([f.rsa.publicJwk, f.ec.publicJwk, a.publicJwk])
    serverB = await startJwksServer([b.publicJwk])
  })
  afterAll(() => serverB.close())
  it("a token claiming issuer A signed with B's key (kid only in B's set) → 401", async () => {
    const verifier = createVerifier({
      issuer: [
        { issuer: 'https://a.example/', jwksUri: server.jwksUri },
        { issuer: 'https://b.example/', jwksUri: serverB.jwksUri },
      ],
      audience: AUDIENCE,
      now: () => NOW * 1000,
    })
    await expect(verifier.verify(await sign(a, claims({ iss: 'https://a.example/' })))).resolves.toBeDefined()
    await expect(verifier.verify(await sign(b, claims({ iss: 'https://b.example/' })))).resolves.toBeDefined()
    await expectInvalidToken(
      verifier.verify(await sign(b, claims({ iss: 'https://a.example/' }))),
      'key_not_found',
    )
    await expectInvalidToken(
      verifier.verify(await sign(a, claims({ iss: 'https://b.example/' }))),
      'key_not_found',
    )
    // An issuer outside the list costs no fetch at all.
    const hits = server.totalHits() + serverB.totalHits()
    await expectInvalidToken(
      verifier.verify(await sign(a, claims({ iss: 'https://evil.example/' }))),
      'claim_invalid',
    )
    expect(server.totalHits() + serverB.totalHits()).toBe(hits)
  })
})
