import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { createVerifier, isAuthError, type IssuerConfig, type VerifierOptions } from '@tokenguard/core'
import { SignJWT } from 'jose'
import { createTestIssuer, type TestIssuer } from '../../src/index.js'
import {
  activeClaims,
  json,
  opaqueToken,
  optionsFor,
  serverKey,
  startIntrospectionServer,
  type IntrospectionServer,
} from '../../../core/test/introspection/introspection-server.js'

/**
 * Attack review of introspection (RFC 7662), target: state and time — the introspection cache and the
 * verified-token cache, single flight, floods, `exp` at its boundary — and which strings leave for the
 * authorization server at all (a JWT of another issuer must never be sent there).
 */

let server: IntrospectionServer
beforeAll(async () => {
  server = await startIntrospectionServer()
})
afterAll(() => server.close())
afterEach(() => {
  server.requests.length = 0
  server.answer = json(activeClaims())
})

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
    return 'passed'
  } catch (error) {
    return isAuthError(error) ? error.code : (error as Error).name
  }
}

describe('a JWT of another issuer never leaves for the introspecting one', () => {
  let other: TestIssuer
  let options: VerifierOptions
  beforeAll(async () => {
    other = await createTestIssuer()
    const introspecting = (await optionsFor(server)).issuer as IssuerConfig[]
    options = {
      issuer: [...introspecting, { issuer: other.url }],
      audience: [activeClaims().aud as string, ...[other.audience].flat()],
    }
  })
  afterAll(() => other.close())

  /**
   * HOLE (low): `isJwtShaped` (token-syntax.ts) calls a string opaque when its first segment is not
   * canonical base64url, and create-verifier.ts:138 then sends it to the one introspecting issuer. A JWT of
   * another trusted issuer that arrives slightly mangled — a quoted cookie value (`at="eyJ…"`, RFC 6265
   * allows DQUOTEs and `fromCookie` keeps them), a leading space from a query or `getToken`, or a padded
   * header segment from a non-conformant issuer (valid for lenient jose verifiers) — is posted to that
   * authorization server with this API's credentials: its operators receive the other issuer's token,
   * recoverable by trimming. Expected: refused as a malformed JWT, no request.
   */
  it.each<[string, (jwt: string) => string]>([
    ['wrapped in DQUOTEs (a quoted cookie value)', (jwt) => `"${jwt}"`],
    ['with a leading space', (jwt) => ` ${jwt}`],
    ['with a padded header segment', (jwt) => jwt.replace('.', '==.')],
  ])('%s: refused, nothing sent to the authorization server', async (_name, mangle) => {
    const jwt = await other.sign({ scope: 'orders:read' })
    const verifier = createVerifier(options)
    expect(await code(verifier.verify(jwt))).toBe('passed')
    expect(await code(verifier.verify(mangle(jwt)))).not.toBe('passed')
    expect(server.requests.map((request) => request.form.get('token'))).toEqual([])
  })

  it('a well-formed JWT of the other issuer, and forged JWTs and JWEs, are never sent', async () => {
    const verifier = createVerifier(options)
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
    expect(await code(verifier.verify(await other.sign({})))).toBe('passed')
    for (const token of [
      `${b64({ alg: 'none' })}.${b64({ iss: server.issuer })}.`,
      `${b64({ alg: 'ES256' })}.${b64({ sub: 'x' })}.c2ln`,
      `${b64({ alg: 'dir', enc: 'A256GCM' })}..aXY.Y3Q.dGFn`,
    ])
      expect(await code(verifier.verify(token))).not.toBe('passed')
    expect(server.requests).toHaveLength(0)
  })
})

describe('the verified-token cache never holds an introspected answer', () => {
  it("a revoked JWT of a tokens: 'all' issuer is refused on the next request, verified-token cache on", async () => {
    const key = await serverKey()
    const now = Math.floor(Date.now() / 1000)
    const claims = {
      iss: server.issuer,
      aud: activeClaims().aud as string,
      sub: 'u',
      iat: now,
      exp: now + 600,
    }
    const jwt = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: key.kid })
      .sign(key.privateKey)
    const verifier = createVerifier(
      await optionsFor(server, { tokens: 'all' }, { cache: { maxEntries: 100 } }),
    )
    server.answer = json({ active: true, ...claims })
    expect(await code(verifier.verify(jwt))).toBe('passed')
    expect(await code(verifier.verify(jwt))).toBe('passed')
    expect(verifier.cacheStats().size).toBe(0)
    server.answer = json({ active: false })
    expect(await code(verifier.verify(jwt))).toBe('token_inactive')
    expect(server.requests).toHaveLength(3)
  })
})

describe('validate sees each verification’s own payload', () => {
  /**
   * HOLE (low): `verifyIntrospected` (create-verifier.ts:111) uses the introspector's answer object itself
   * as the payload when it names `iss`, and the answer is shared — by the introspection cache and by
   * single flight. The first verification freezes it (deepFreeze), so `validate` on any later verification
   * of the same token gets a frozen object another request already saw (and changed): a `validate` that
   * annotates the payload, fine for JWTs and for the first request, throws a TypeError on the second, a
   * 401 `claim_invalid` for a valid token. Expected: each verification gets its own copy of the answer.
   */
  it('a validate that annotates the payload passes on every verification, cache on', async () => {
    server.answer = json(activeClaims({ iss: server.issuer }))
    const verifier = createVerifier(
      await optionsFor(
        server,
        { cache: true },
        {
          validate: (payload) => {
            ;(payload as Record<string, unknown>).seenBy = 'validate'
            return true
          },
        },
      ),
    )
    const token = opaqueToken('annotated')
    expect(await code(verifier.verify(token))).toBe('passed')
    expect(await code(verifier.verify(token))).toBe('passed')
  })

  it('concurrent verifications of one token (single flight, cache off) each get a payload of their own', async () => {
    server.answer = json(activeClaims({ iss: server.issuer }))
    const seen: object[] = []
    const verifier = createVerifier(
      await optionsFor(server, {}, { validate: (payload) => (seen.push(payload), true) }),
    )
    const token = opaqueToken('shared')
    const results = await Promise.all([verifier.verify(token), verifier.verify(token)])
    expect(server.requests).toHaveLength(1)
    expect(results[0].payload).not.toBe(results[1].payload)
  })
})

describe('time', () => {
  const NOW_MS = 1_800_000_000_000
  const now = NOW_MS / 1000

  it.each<[string, number, number, string]>([
    ['exp = now', now, 0, 'token_expired'],
    ['exp = now + 1', now + 1, 0, 'passed'],
    ['exp = now - 10, clockTolerance 10', now - 10, 10, 'token_expired'],
    ['exp = now - 9, clockTolerance 10', now - 9, 10, 'passed'],
    ['exp = 1e400 (Infinity)', Number.POSITIVE_INFINITY, 0, 'claim_invalid'],
  ])('%s: %s', async (_name, exp, clockTolerance, expected) => {
    const text = JSON.stringify({ ...activeClaims({ iat: now - 60 }), exp: 0 }).replace(
      '"exp":0',
      `"exp":${Number.isFinite(exp) ? exp : '1e400'}`,
    )
    server.answer = (_request, res) =>
      void res.writeHead(200, { 'content-type': 'application/json' }).end(text)
    for (const cache of [false, true]) {
      const verifier = createVerifier(
        await optionsFor(server, { cache }, { now: () => NOW_MS, clockTolerance }),
      )
      expect(await code(verifier.verify(opaqueToken()))).toBe(expected)
    }
  })

  it('an answer remembered before its exp is refused once exp has passed, without asking again', async () => {
    let clock = NOW_MS
    server.answer = json(activeClaims({ iat: now - 60, exp: now + 5 }))
    const verifier = createVerifier(
      await optionsFor(server, { cache: { ttl: 3600 } }, { now: () => clock, clockTolerance: 0 }),
    )
    const token = opaqueToken()
    expect(await code(verifier.verify(token))).toBe('passed')
    clock += 5_000
    expect(await code(verifier.verify(token))).toBe('token_expired')
  })
})

describe('floods', () => {
  it('a burst of one repeated string costs one request; without the cache, each later burst one more', async () => {
    server.answer = (_request, res) =>
      void setTimeout(
        () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"active":false}'),
        20,
      )
    const verifier = createVerifier(await optionsFor(server, { maxInFlight: 2 }))
    const token = opaqueToken('flood')
    const burst = () => Promise.all(Array.from({ length: 200 }, () => code(verifier.verify(token))))
    expect(new Set(await burst())).toEqual(new Set(['token_inactive']))
    expect(server.requests).toHaveLength(1)
    expect(new Set(await burst())).toEqual(new Set(['token_inactive']))
    expect(server.requests).toHaveLength(2)
  })

  it('random strings beyond maxInFlight are refused at once (503) and the bound frees itself afterwards', async () => {
    server.answer = (_request, res) =>
      void setTimeout(
        () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"active":false}'),
        20,
      )
    const verifier = createVerifier(await optionsFor(server, { maxInFlight: 4 }))
    const outcomes = await Promise.all(Array.from({ length: 50 }, () => code(verifier.verify(opaqueToken()))))
    expect(outcomes.filter((o) => o === 'token_inactive')).toHaveLength(4)
    expect(outcomes.filter((o) => o === 'introspection_unavailable')).toHaveLength(46)
    expect(server.requests).toHaveLength(4)
    server.answer = json(activeClaims())
    expect(await code(verifier.verify(opaqueToken()))).toBe('passed')
  })

  it('garbage answers are never remembered, so they cannot poison the cache', async () => {
    const verifier = createVerifier(await optionsFor(server, { cache: true }))
    const token = opaqueToken()
    for (const text of ['{"active":"true"}', 'not json', '{"active":true', '[]']) {
      server.answer = (_request, res) =>
        void res.writeHead(200, { 'content-type': 'application/json' }).end(text)
      expect(await code(verifier.verify(token))).toBe('introspection_unavailable')
    }
    server.answer = json({ active: false })
    expect(await code(verifier.verify(token))).toBe('token_inactive')
    server.answer = json(activeClaims())
    // The inactive answer is remembered (documented): the cache decides, not a later active answer.
    expect(await code(verifier.verify(token))).toBe('token_inactive')
    expect(server.requests).toHaveLength(5)
  })
})
