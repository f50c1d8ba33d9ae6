import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createVerifier, type IssuerConfig } from '@tokenguard/core'
import { createClock } from '../support/clock.js'
import { expectAuthError } from '../support/expect-error.js'
import { startJwksServer, type JwksServer } from '../support/jwks-server.js'
import { AUDIENCE, claims, makeKey, NOW, sign, type TestKey } from '../support/keys.js'

/**
 * Issuer templates (`{tenantid}`) through a real verifier and real loopback JWK Set servers: Entra-style
 * (one key set shared by every tenant, the tenant in `tid`) and SaaS-style (one key set per tenant).
 */

const ENTRA = 'https://login.microsoftonline.com/{tenantid}/v2.0'
const TID_A = '11111111-1111-4111-8111-111111111111'
const TID_B = '22222222-2222-4222-8222-222222222222'
const TID_C = '33333333-3333-4333-8333-333333333333'
const entraIss = (tid: string) => `https://login.microsoftonline.com/${tid}/v2.0`
const SAAS = 'https://auth.saas.example/{tenantid}'
const saasIss = (tenant: string) => `https://auth.saas.example/${tenant}`

const now = () => NOW * 1000
let entraKey: TestKey
let keyA: TestKey
let keyB: TestKey
let entra: JwksServer
let saas: JwksServer
beforeAll(async () => {
  // Tenant A and B keys share a kid: only the per-tenant key set keeps B's key away from A's tokens.
  ;[entraKey, keyA, keyB] = await Promise.all([
    makeKey('RS256'),
    makeKey('ES256', { kid: 'same' }),
    makeKey('ES256', { kid: 'same' }),
  ])
  ;[entra, saas] = await Promise.all([startJwksServer([entraKey.publicJwk]), startJwksServer()])
  for (const [tenant, key] of [
    ['tenant-a', keyA],
    ['tenant-b', keyB],
    ['tenant-c', keyB],
  ] as const)
    saas.override(`/${tenant}/jwks`, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ keys: [key.publicJwk] }))
    })
})
afterAll(() => Promise.all([entra.close(), saas.close()]))

function entraVerifier(extra: Partial<IssuerConfig> = {}) {
  return createVerifier({
    issuer: [{ issuer: ENTRA, jwksUri: entra.jwksUri, tenants: [TID_A, TID_B], ...extra }],
    audience: AUDIENCE,
    now,
  })
}

const entraToken = (tid: string, overrides: Record<string, unknown> = {}) =>
  sign(entraKey, claims({ iss: entraIss(tid), tid, ...overrides }))

describe('an Entra-style template: one shared key set, the tenant in tid', () => {
  it('accepts the allowed tenants, with one fetch of the shared set', async () => {
    const before = entra.totalHits('/jwks')
    const verifier = entraVerifier()
    const a = await verifier.verify(await entraToken(TID_A))
    const b = await verifier.verify(await entraToken(TID_B))
    expect([a.payload.tid, b.payload.tid]).toEqual([TID_A, TID_B])
    expect(entra.totalHits('/jwks') - before).toBe(1)
  })

  it('refuses a tenant that is not allowed, without any fetch', async () => {
    const before = entra.totalHits()
    const error = await expectAuthError(entraVerifier().verify(await entraToken(TID_C)), 'claim_invalid')
    expect(error.claim).toBe('iss')
    expect(entra.totalHits()).toBe(before)
  })

  it('refuses a tid that is not the tenant of iss, or none', async () => {
    const verifier = entraVerifier()
    const other = await expectAuthError(
      verifier.verify(await entraToken(TID_A, { tid: TID_B })),
      'claim_invalid',
    )
    expect(other.claim).toBe('tid')
    const none = await expectAuthError(
      verifier.verify(await entraToken(TID_A, { tid: undefined })),
      'claim_invalid',
    )
    expect(none.claim).toBe('tid')
    // Also once the tenant is known (served from the issuer cache).
    await verifier.verify(await entraToken(TID_A))
    await expectAuthError(verifier.verify(await entraToken(TID_A, { tid: TID_B, jti: 'x' })), 'claim_invalid')
  })

  it('uses a configured tenant claim instead of tid', async () => {
    const verifier = entraVerifier({ tenantClaim: 'tenant' })
    await expect(
      verifier.verify(await entraToken(TID_A, { tid: undefined, tenant: TID_A })),
    ).resolves.toBeDefined()
    await expectAuthError(verifier.verify(await entraToken(TID_B)), 'claim_invalid')
  })

  it.each([
    ['an extra segment', `https://login.microsoftonline.com/${TID_A}/x/v2.0`],
    ['an encoded slash', `https://login.microsoftonline.com/${TID_A}%2Fx/v2.0`],
    ['a dot segment', 'https://login.microsoftonline.com/../v2.0'],
    ['unicode', `https://login.microsoftonline.com/${TID_A}é/v2.0`],
    ['an upper-case host', `https://LOGIN.MICROSOFTONLINE.COM/${TID_A}/v2.0`],
    ['a very long iss', `https://login.microsoftonline.com/${'a'.repeat(1100)}/v2.0`],
    ['a non-string iss', 42],
  ])('refuses a crafted iss: %s, without any fetch', async (_name, iss) => {
    const before = entra.totalHits()
    const token = await sign(entraKey, claims({ iss, tid: typeof iss === 'string' ? iss : TID_A }))
    const error = await expectAuthError(entraVerifier().verify(token), 'claim_invalid')
    expect(error.claim).toBe('iss')
    expect(entra.totalHits()).toBe(before)
  })

  it('works with static keys shared by the tenants, next to a listed issuer', async () => {
    const listedKey = await makeKey('ES256')
    const verifier = createVerifier({
      issuer: [
        { issuer: ENTRA, keys: entraKey.publicJwk, tenants: [TID_A] },
        { issuer: 'https://listed.example/', keys: listedKey.publicJwk },
      ],
      audience: AUDIENCE,
      now,
    })
    await expect(verifier.verify(await entraToken(TID_A))).resolves.toBeDefined()
    await expect(
      verifier.verify(await sign(listedKey, claims({ iss: 'https://listed.example/' }))),
    ).resolves.toBeDefined()
    // A listed issuer is never forgotten; an unknown one reports false.
    expect(verifier.forgetIssuer('https://listed.example/')).toBe(false)
    expect(verifier.forgetIssuer(entraIss(TID_A))).toBe(true)
  })
})

describe('a SaaS-style template: one key set per tenant', () => {
  const saasVerifier = (extra: Partial<IssuerConfig> = {}, cache = {}) =>
    createVerifier({
      issuer: [
        {
          issuer: SAAS,
          jwksUri: `${saas.url}/{tenantid}/jwks`,
          tenantClaim: 'org',
          tenants: ['tenant-a', 'tenant-b', 'tenant-c'],
          ...extra,
        },
      ],
      issuerCache: cache,
      audience: AUDIENCE,
      now,
    })
  const saasToken = (key: TestKey, tenant: string, overrides: Record<string, unknown> = {}) =>
    sign(key, claims({ iss: saasIss(tenant), org: tenant, ...overrides }))

  it("verifies each tenant with its own keys, and never tenant A's token with tenant B's key", async () => {
    const verifier = saasVerifier()
    await expect(verifier.verify(await saasToken(keyA, 'tenant-a'))).resolves.toBeDefined()
    await expect(verifier.verify(await saasToken(keyB, 'tenant-b'))).resolves.toBeDefined()
    await expectAuthError(
      verifier.verify(await saasToken(keyB, 'tenant-a', { jti: '1' })),
      'signature_invalid',
    )
    await expectAuthError(
      verifier.verify(await saasToken(keyA, 'tenant-b', { jti: '1' })),
      'signature_invalid',
    )
  })

  it('fetches no key set for a tenant that is not allowed', async () => {
    await expectAuthError(saasVerifier().verify(await saasToken(keyA, 'tenant-z')), 'claim_invalid')
    expect(saas.totalHits('/tenant-z/jwks')).toBe(0)
  })

  it('keeps at most issuerCache.maxEntries tenant key sets (least recently used leave)', async () => {
    const verifier = saasVerifier({}, { maxEntries: 2 })
    const hitsA = saas.totalHits('/tenant-a/jwks')
    await verifier.verify(await saasToken(keyA, 'tenant-a', { jti: 'lru-1' }))
    await verifier.verify(await saasToken(keyB, 'tenant-b', { jti: 'lru-1' }))
    await verifier.verify(await saasToken(keyA, 'tenant-a', { jti: 'lru-2' }))
    expect(saas.totalHits('/tenant-a/jwks') - hitsA).toBe(1) // still cached
    await verifier.verify(await saasToken(keyB, 'tenant-c', { jti: 'lru-1' })) // evicts tenant-b
    await verifier.verify(await saasToken(keyB, 'tenant-b', { jti: 'lru-2' })) // evicts tenant-a
    await verifier.verify(await saasToken(keyA, 'tenant-a', { jti: 'lru-3' }))
    expect(saas.totalHits('/tenant-a/jwks') - hitsA).toBe(2)
  })

  it('discovers each tenant from its own issuer URL when no jwksUri is given', async () => {
    const issuer = `${saas.url}/{tenantid}`
    saas.override('/tenant-a/.well-known/openid-configuration', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ issuer: `${saas.url}/tenant-a`, jwks_uri: `${saas.url}/tenant-a/jwks` }))
    })
    const verifier = createVerifier({
      issuer: [{ issuer, tenantClaim: 'org', tenants: ['tenant-a'] }],
      audience: AUDIENCE,
      now,
    })
    const token = await sign(keyA, claims({ iss: `${saas.url}/tenant-a`, org: 'tenant-a' }))
    await expect(verifier.verify(token)).resolves.toBeDefined()
  })
})

describe('isTenantAllowed', () => {
  it('is asked once per tenant, remembers refusals, and forgetIssuer asks again', async () => {
    const asked: string[] = []
    let allowed = new Set([TID_A])
    const clock = createClock()
    const verifier = createVerifier({
      issuer: [
        {
          issuer: ENTRA,
          jwksUri: entra.jwksUri,
          isTenantAllowed: async (tid) => {
            asked.push(tid)
            return allowed.has(tid)
          },
        },
      ],
      audience: AUDIENCE,
      now: clock.now,
      issuerCache: { negativeTtl: 1000 },
    })
    const tokenA = await entraToken(TID_A)
    await verifier.verify(tokenA)
    await verifier.verify(await entraToken(TID_A, { jti: 'second' }))
    await expectAuthError(verifier.verify(await entraToken(TID_C)), 'claim_invalid')
    await expectAuthError(verifier.verify(await entraToken(TID_C, { jti: 'again' })), 'claim_invalid')
    expect(asked).toEqual([TID_A, TID_C])
    clock.advance(1000) // the refusal is remembered for negativeTtl
    await expectAuthError(verifier.verify(await entraToken(TID_C, { jti: 'later' })), 'claim_invalid')
    expect(asked).toEqual([TID_A, TID_C, TID_C])

    // Off-boarding: even the token in the verified-token cache is verified again, and refused.
    allowed = new Set()
    expect(verifier.forgetIssuer(entraIss(TID_A))).toBe(true)
    await expectAuthError(verifier.verify(tokenA), 'claim_invalid')
    expect(asked).toEqual([TID_A, TID_C, TID_C, TID_A])
    expect(verifier.forgetIssuer(entraIss(TID_B))).toBe(false)
  })

  it('asks again once the trusted entry outlives issuerCache.ttl, even for a cached token', async () => {
    let calls = 0
    const clock = createClock()
    const verifier = createVerifier({
      issuer: [{ issuer: ENTRA, jwksUri: entra.jwksUri, isTenantAllowed: () => ++calls === 1 }],
      audience: AUDIENCE,
      now: clock.now,
      issuerCache: { ttl: 60_000 },
    })
    const token = await entraToken(TID_A)
    await verifier.verify(token)
    clock.advance(59_999)
    await verifier.verify(token)
    expect(calls).toBe(1)
    clock.advance(1)
    await expectAuthError(verifier.verify(token), 'claim_invalid')
    expect(calls).toBe(2)
  })

  it('refuses with a 503 when it throws or answers anything but true', async () => {
    let answer: () => unknown = () => {
      throw new Error('tenant database down')
    }
    const verifier = createVerifier({
      issuer: [{ issuer: ENTRA, jwksUri: entra.jwksUri, isTenantAllowed: async () => answer() as boolean }],
      audience: AUDIENCE,
      now,
    })
    await expectAuthError(verifier.verify(await entraToken(TID_A)), 'keys_unavailable')
    answer = () => 'yes'
    await expectAuthError(verifier.verify(await entraToken(TID_A, { jti: 'x' })), 'claim_invalid')
  })
})
