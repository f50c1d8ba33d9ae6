import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import {
  createVerifier,
  type IssuerResolver,
  type ResolvedIssuer,
  type VerifierCommonOptions,
} from '@tokenguard/core'
import { createClock } from '../support/clock.js'
import { expectAuthError } from '../support/expect-error.js'
import { startJwksServer, type JwksServer } from '../support/jwks-server.js'
import { AUDIENCE, claims, makeKey, NOW, sign, type TestKey } from '../support/keys.js'

/**
 * `resolveIssuer`: issuers looked up at run time (a SaaS tenant table), cached with bounded lifetimes and
 * sizes, a bounded number of calls under a flood, and no fetch of a URL the resolver did not return.
 */

const now = () => NOW * 1000
let keyA: TestKey
let keyB: TestKey
let a: JwksServer
let b: JwksServer
let evil: JwksServer
const ISS_A = 'https://tenant-a.saas.example/'
const ISS_B = 'https://tenant-b.saas.example/'
beforeAll(async () => {
  ;[keyA, keyB] = await Promise.all([makeKey('ES256', { kid: 'k' }), makeKey('ES256', { kid: 'k' })])
  ;[a, b, evil] = await Promise.all([
    startJwksServer([keyA.publicJwk]),
    startJwksServer([keyB.publicJwk]),
    startJwksServer([keyA.publicJwk]),
  ])
})
afterAll(() => Promise.all([a.close(), b.close(), evil.close()]))

const hitsOf = (...servers: JwksServer[]) => servers.reduce((sum, server) => sum + server.totalHits(), 0)

/** A resolver over a tenant table that records every `iss` it was asked about. */
function tenantTable(table: () => Record<string, ResolvedIssuer>) {
  const asked: string[] = []
  const resolveIssuer = async (iss: string) => {
    asked.push(iss)
    return table()[iss]
  }
  return { asked, resolveIssuer }
}

// No `issuer`: with `resolveIssuer` it may be omitted, in the types too (IssuerSource).
function verifierWith(resolveIssuer: IssuerResolver, extra: Partial<VerifierCommonOptions> = {}) {
  return createVerifier({ audience: AUDIENCE, now, resolveIssuer, cache: false, ...extra })
}

describe('resolveIssuer', () => {
  it('verifies each resolved issuer with its own keys only, asking once per issuer', async () => {
    const { asked, resolveIssuer } = tenantTable(() => ({
      [ISS_A]: { jwksUri: a.jwksUri },
      [ISS_B]: { issuer: ISS_B, jwksUri: b.jwksUri, algorithms: ['ES256'] },
    }))
    const verifier = verifierWith(resolveIssuer)
    await expect(verifier.verify(await sign(keyA, claims({ iss: ISS_A })))).resolves.toBeDefined()
    await expect(verifier.verify(await sign(keyB, claims({ iss: ISS_B })))).resolves.toBeDefined()
    // Same kid at both: a token of A signed with B's key is refused, and the other way round.
    await expectAuthError(verifier.verify(await sign(keyB, claims({ iss: ISS_A }))), 'signature_invalid')
    await expectAuthError(verifier.verify(await sign(keyA, claims({ iss: ISS_B }))), 'signature_invalid')
    expect(asked).toEqual([ISS_A, ISS_B])
  })

  it('asks once for concurrent tokens of the same new issuer', async () => {
    const { asked, resolveIssuer } = tenantTable(() => ({ [ISS_A]: { jwksUri: a.jwksUri } }))
    const verifier = verifierWith(resolveIssuer)
    const tokens = await Promise.all(
      [1, 2, 3, 4, 5].map((jti) => sign(keyA, claims({ iss: ISS_A, jti: `${jti}` }))),
    )
    await Promise.all(tokens.map((token) => verifier.verify(token)))
    expect(asked).toEqual([ISS_A])
  })

  it('never fetches a URL derived from the token: only what the resolver returned', async () => {
    const { resolveIssuer } = tenantTable(() => ({ [ISS_A]: { jwksUri: a.jwksUri } }))
    const verifier = verifierWith(resolveIssuer)
    const before = evil.totalHits()
    for (const iss of [evil.issuer, `${evil.url}/jwks`, evil.url])
      await expectAuthError(verifier.verify(await sign(keyA, claims({ iss }))), 'claim_invalid')
    // Even an entry without a key source is not discovered from the iss: a 503 for the operator's bug.
    const discover = verifierWith(() => ({ issuer: evil.issuer }))
    await expectAuthError(discover.verify(await sign(keyA, claims({ iss: evil.issuer }))), 'keys_unavailable')
    expect(evil.totalHits()).toBe(before)
  })

  it('remembers refusals for issuerCache.negativeTtl, and trusted issuers for issuerCache.ttl', async () => {
    const clock = createClock()
    const { asked, resolveIssuer } = tenantTable(() => ({ [ISS_A]: { jwksUri: a.jwksUri } }))
    const verifier = verifierWith(resolveIssuer, {
      now: clock.now,
      issuerCache: { ttl: 10_000, negativeTtl: 5_000 },
    })
    const unknown = 'https://unknown.saas.example/'
    await expectAuthError(verifier.verify(await sign(keyA, claims({ iss: unknown }))), 'claim_invalid')
    await expectAuthError(
      verifier.verify(await sign(keyA, claims({ iss: unknown, jti: '2' }))),
      'claim_invalid',
    )
    await verifier.verify(await sign(keyA, claims({ iss: ISS_A })))
    expect(asked).toEqual([unknown, ISS_A])
    clock.advance(5_000)
    await expectAuthError(
      verifier.verify(await sign(keyA, claims({ iss: unknown, jti: '3' }))),
      'claim_invalid',
    )
    await verifier.verify(await sign(keyA, claims({ iss: ISS_A, jti: '2' })))
    expect(asked).toEqual([unknown, ISS_A, unknown])
    clock.advance(5_000)
    await verifier.verify(await sign(keyA, claims({ iss: ISS_A, jti: '3' })))
    expect(asked).toEqual([unknown, ISS_A, unknown, ISS_A])
  })

  it('bounds what a flood of unknown issuers costs, and keeps serving known ones', async () => {
    const { asked, resolveIssuer } = tenantTable(() => ({ [ISS_A]: { jwksUri: a.jwksUri } }))
    const verifier = verifierWith(resolveIssuer, {
      issuerCache: { maxResolvesPerMinute: 20, maxNegativeEntries: 5 },
    })
    await verifier.verify(await sign(keyA, claims({ iss: ISS_A })))
    const before = hitsOf(a, b, evil)
    const codes = new Map<string, number>()
    for (let i = 0; i < 200; i++) {
      const token = await sign(keyA, claims({ iss: `${evil.url}/tenant-${i}` }))
      const code = await verifier.verify(token).then(
        () => 'accepted',
        (error: { code: string }) => error.code,
      )
      codes.set(code, (codes.get(code) ?? 0) + 1)
    }
    expect(asked.length).toBe(20) // 1 for ISS_A, then 19 unknown before the budget is spent
    expect(codes.get('claim_invalid')).toBe(19)
    expect(codes.get('keys_unavailable')).toBe(181)
    expect(hitsOf(a, b, evil)).toBe(before)
    // The refused issuers could not evict the trusted one.
    await expect(
      verifier.verify(await sign(keyA, claims({ iss: ISS_A, jti: 'after' }))),
    ).resolves.toBeDefined()
    expect(asked.length).toBe(20)
  })

  it('refuses with keys_unavailable (503) when the resolver throws or rejects, and caches nothing', async () => {
    let calls = 0
    const verifier = verifierWith((iss) => {
      calls++
      if (calls === 1) throw new Error('tenant table unreachable')
      if (calls === 2) return Promise.reject(new Error('timeout'))
      return { issuer: iss, jwksUri: a.jwksUri }
    })
    const token = await sign(keyA, claims({ iss: ISS_A }))
    await expectAuthError(verifier.verify(token), 'keys_unavailable')
    await expectAuthError(verifier.verify(token), 'keys_unavailable')
    await expect(verifier.verify(token)).resolves.toBeDefined()
    expect(calls).toBe(3)
  })

  it.each([
    ['a non-object', 'yes'],
    ['null', null],
    ['another issuer', { issuer: ISS_B, jwksUri: 'https://x.example/jwks' }],
    ['an unknown option', { jwksUri: 'https://x.example/jwks', tenants: ['a'] }],
    ['a plain-http jwksUri', { jwksUri: 'http://keys.example/jwks' }],
    ['two key sources', { jwksUri: 'https://x.example/jwks', secret: 'x'.repeat(32) }],
  ])('refuses with keys_unavailable (503) when the resolver returns %s', async (_name, entry) => {
    const verifier = verifierWith(() => entry as ResolvedIssuer)
    await expectAuthError(verifier.verify(await sign(keyA, claims({ iss: ISS_A }))), 'keys_unavailable')
  })

  it('forgetIssuer drops a trusted issuer: its cached tokens are verified again', async () => {
    let table: Record<string, ResolvedIssuer> = { [ISS_A]: { keys: keyA.publicJwk } }
    const { asked, resolveIssuer } = tenantTable(() => table)
    const verifier = verifierWith(resolveIssuer, { cache: undefined })
    const token = await sign(keyA, claims({ iss: ISS_A }))
    await verifier.verify(token)
    await verifier.verify(token)
    expect(verifier.cacheStats().hits).toBe(1)
    table = {}
    expect(verifier.forgetIssuer(ISS_A)).toBe(true)
    await expectAuthError(verifier.verify(token), 'claim_invalid')
    expect(asked).toEqual([ISS_A, ISS_A])
    expect(verifier.forgetIssuer(ISS_A)).toBe(true) // now a remembered refusal
    expect(verifier.forgetIssuer(ISS_A)).toBe(false)
  })

  it('does not cache an answer that was on its way when forgetIssuer ran', async () => {
    let release: () => void = () => undefined
    const { asked, resolveIssuer } = tenantTable(() => ({ [ISS_A]: { keys: keyA.publicJwk } }))
    const verifier = verifierWith(async (iss) => {
      await new Promise<void>((resolve) => (release = resolve))
      return resolveIssuer(iss)
    })
    const pending = verifier.verify(await sign(keyA, claims({ iss: ISS_A })))
    await new Promise((resolve) => setImmediate(resolve))
    verifier.forgetIssuer(ISS_A)
    release()
    await expect(pending).resolves.toBeDefined()
    const next = verifier.verify(await sign(keyA, claims({ iss: ISS_A, jti: '2' })))
    await new Promise((resolve) => setImmediate(resolve))
    release()
    await expect(next).resolves.toBeDefined()
    expect(asked).toEqual([ISS_A, ISS_A])
  })

  it('never asks about listed issuers, and works with issuer omitted', async () => {
    const { asked, resolveIssuer } = tenantTable(() => ({ [ISS_B]: { jwksUri: b.jwksUri } }))
    const listed = createVerifier({
      issuer: [{ issuer: ISS_A, jwksUri: a.jwksUri }],
      audience: AUDIENCE,
      now,
      resolveIssuer,
    })
    await listed.verify(await sign(keyA, claims({ iss: ISS_A })))
    await listed.verify(await sign(keyB, claims({ iss: ISS_B })))
    expect(asked).toEqual([ISS_B])
    const omitted = createVerifier({ audience: AUDIENCE, now, resolveIssuer })
    await expect(omitted.verify(await sign(keyB, claims({ iss: ISS_B })))).resolves.toBeDefined()
    await expect(omitted.ready()).resolves.toBeUndefined()
  })
})
