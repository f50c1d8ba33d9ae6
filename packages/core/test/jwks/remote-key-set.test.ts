import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { createVerifier, type JwksOptions } from '@tokenguard/core'
import { exportJWK, importJWK, type CryptoKey } from 'jose'
import { randomUUID } from 'node:crypto'
import { createClock, type Clock } from '../support/clock.js'
import { expectAuthError } from '../support/expect-error.js'
import { startJwksServer, type JwksServer } from '../support/jwks-server.js'
import { claims, compact, makeKey, NOW, sign, type TestKey } from '../support/keys.js'

/** Remote JWK Set: one fetch in flight, unknown-kid cooldown, key rotation. Time moves only via `now`. */

const MONTH = 86_400 * 30
let server: JwksServer
let k1: TestKey
let k2: TestKey
let clock: Clock
beforeAll(async () => {
  ;[k1, k2] = await Promise.all([makeKey('ES256', { kid: 'k1' }), makeKey('ES256', { kid: 'k2' })])
  server = await startJwksServer()
})
afterAll(() => server.close())
beforeEach(() => {
  server.override('/jwks', undefined)
  server.setKeys([k1.publicJwk])
  server.hits.clear()
  clock = createClock()
})

function verifier(jwks: JwksOptions = {}, options: { discovery?: boolean; cache?: false } = {}) {
  return createVerifier({
    issuer: server.issuer,
    audience: 'api',
    ...(options.discovery ? {} : { jwksUri: server.jwksUri }),
    now: clock.now,
    jwks,
    ...(options.cache === false ? { cache: false as const } : {}),
  })
}

const token = (key: TestKey) => sign(key, claims({ iss: server.issuer, aud: 'api', exp: NOW + MONTH }))
const randomKid = () =>
  compact({ alg: 'ES256', kid: randomUUID() }, claims({ iss: server.issuer, aud: 'api' }))

describe('single flight', () => {
  it('serves 1 000 concurrent cold verifications with one JWK Set request', async () => {
    const v = verifier({}, { cache: false })
    const t = await token(k1)
    const results = await Promise.all(Array.from({ length: 1000 }, () => v.verify(t)))
    expect(results).toHaveLength(1000)
    expect(server.hits.get('/jwks')).toBe(1)
  })

  it('also makes one discovery request for them', async () => {
    const v = verifier({}, { discovery: true, cache: false })
    const t = await token(k1)
    await Promise.all(Array.from({ length: 1000 }, () => v.verify(t)))
    expect(server.hits.get('/issuer/.well-known/openid-configuration')).toBe(1)
    expect(server.hits.get('/jwks')).toBe(1)
  })

  it('fetches nothing until the first verification', () => {
    verifier({}, { discovery: true })
    expect(server.totalHits()).toBe(0)
  })
})

describe('unknown kid', () => {
  const flood = (v: ReturnType<typeof verifier>, count = 200) =>
    Promise.all(
      Array.from({ length: count }, async () => expectAuthError(v.verify(randomKid()), 'key_not_found')),
    )

  it('refetches at most once per cooldown, however many random kids arrive', async () => {
    const v = verifier({ cooldown: 30_000 })
    await v.verify(await token(k1))
    expect(server.hits.get('/jwks')).toBe(1)
    // The first load armed one refetch: 200 concurrent random kids share it.
    await flood(v)
    expect(server.hits.get('/jwks')).toBe(2)
    // From then on the cooldown counts from that refetch.
    await flood(v)
    clock.advance(29_999)
    await expectAuthError(v.verify(randomKid()), 'key_not_found')
    expect(server.hits.get('/jwks')).toBe(2)
    clock.advance(1)
    await flood(v)
    for (let i = 0; i < 50; i++) await expectAuthError(v.verify(randomKid()), 'key_not_found')
    expect(server.hits.get('/jwks')).toBe(3)
    clock.advance(30_000)
    for (let i = 0; i < 50; i++) await expectAuthError(v.verify(randomKid()), 'key_not_found')
    expect(server.hits.get('/jwks')).toBe(4)
  })

  it('refetches at once after a scheduled refresh, even inside the cooldown of the last refetch', async () => {
    const v = verifier({ cooldown: 30_000, cacheMaxAge: 10_000, minCacheAge: 0, refreshAhead: 0 })
    await v.verify(await token(k1))
    await flood(v, 10) // spends the refetch armed by the first load
    expect(server.hits.get('/jwks')).toBe(2)
    clock.advance(10_000)
    await v.verify(await token(k1)) // the keys expired: a scheduled refresh, which arms a refetch
    expect(server.hits.get('/jwks')).toBe(3)
    server.setKeys([k1.publicJwk, k2.publicJwk])
    await expect(v.verify(await token(k2))).resolves.toBeDefined()
    expect(server.hits.get('/jwks')).toBe(4)
    // That refetch was caused by a kid: the next unknown kid waits for the cooldown again.
    clock.advance(9_999)
    await flood(v, 10)
    expect(server.hits.get('/jwks')).toBe(4)
  })

  it('refetches at once after a refresh ahead; a kid that joined that refresh spends nothing', async () => {
    const v = verifier({ cooldown: 1_000_000, cacheMaxAge: 100_000, refreshAhead: 30_000 }, { cache: false })
    const [t1, t2] = [await token(k1), await token(k2)]
    await v.verify(t1)
    await flood(v, 10)
    expect(server.hits.get('/jwks')).toBe(2)
    // Hold the refresh ahead on the server, so that the unknown kid below surely joins it.
    let release: (() => void) | undefined
    server.override('/jwks', (_req, res) => {
      release = () => res.writeHead(200).end(JSON.stringify({ keys: [k1.publicJwk] }))
    })
    clock.advance(70_000)
    await v.verify(t1) // starts the refresh ahead in the background
    const joined = expectAuthError(v.verify(randomKid()), 'key_not_found')
    while (release === undefined) await new Promise((resolve) => setImmediate(resolve))
    release()
    await joined
    server.override('/jwks', undefined)
    expect(server.hits.get('/jwks')).toBe(3)
    server.setKeys([k1.publicJwk, k2.publicJwk])
    await expect(v.verify(t2)).resolves.toBeDefined()
    expect(server.hits.get('/jwks')).toBe(4)
  })

  it('1 000 concurrent cold verifications of unknown kids cost the first load and one refetch', async () => {
    const v = verifier({}, { cache: false })
    await flood(v, 1000)
    expect(server.hits.get('/jwks')).toBe(2)
  })

  it('answers 503 when the refetch for an unknown kid fails (pinned)', async () => {
    const v = verifier({ cooldown: 1_000 })
    await v.verify(await token(k1))
    server.override('/jwks', (_req, res) => res.writeHead(500).end())
    clock.advance(1_000)
    await expectAuthError(v.verify(randomKid()), 'keys_unavailable')
    // The known key keeps working meanwhile, and the next random kid is just unknown.
    await expect(v.verify(await token(k1))).resolves.toBeDefined()
    await expectAuthError(v.verify(randomKid()), 'key_not_found')
    server.override('/jwks', undefined)
  })
})

describe('key rotation', () => {
  it('accepts a key published right after the first load at once, with one refetch', async () => {
    const v = verifier({ cooldown: 10_000 })
    await v.verify(await token(k1))
    server.setKeys([k1.publicJwk, k2.publicJwk])
    await expect(v.verify(await token(k2))).resolves.toBeDefined()
    expect(server.hits.get('/jwks')).toBe(2)
    await expect(v.verify(await token(k2))).resolves.toBeDefined()
    expect(server.hits.get('/jwks')).toBe(2)
  })

  it('waits for the cooldown when the last refetch was caused by an unknown kid (pinned window)', async () => {
    const v = verifier({ cooldown: 10_000 })
    await v.verify(await token(k1))
    await expectAuthError(v.verify(randomKid()), 'key_not_found')
    server.setKeys([k1.publicJwk, k2.publicJwk])
    await expectAuthError(v.verify(await token(k2)), 'key_not_found')
    clock.advance(9_999)
    await expectAuthError(v.verify(await token(k2)), 'key_not_found')
    expect(server.hits.get('/jwks')).toBe(2)
    clock.advance(1)
    await expect(v.verify(await token(k2))).resolves.toBeDefined()
    expect(server.hits.get('/jwks')).toBe(3)
  })

  it('stops verifying with a removed key once the set is refreshed, also for cached tokens', async () => {
    const v = verifier({ cacheMaxAge: 60_000, minCacheAge: 0, refreshAhead: 0 })
    const old = await token(k1)
    await v.verify(old)
    await v.verify(old)
    server.setKeys([k2.publicJwk])
    clock.advance(60_000)
    await expectAuthError(v.verify(old), 'key_not_found')
    await expect(v.verify(await token(k2))).resolves.toBeDefined()
    // The removed kid spent the refetch the scheduled refresh armed.
    expect(server.hits.get('/jwks')).toBe(3)
  })
})

describe('key identity (kid, material, alg, use, key_ops)', () => {
  let rsa: TestKey
  /** The same private key, imported for RSA-PSS (WebCrypto binds a key to one algorithm). */
  let pss: TestKey
  beforeAll(async () => {
    rsa = await makeKey('RS256', { kid: 'r1' })
    const privateKey = await importJWK({ ...(await exportJWK(rsa.privateKey)), alg: 'PS256' }, 'PS256')
    pss = { ...rsa, alg: 'PS256', privateKey: privateKey as CryptoKey }
  })
  const expiring = () => verifier({ cacheMaxAge: 60_000, minCacheAge: 0, refreshAhead: 0 })
  const rsaToken = (key = rsa) => sign(key, claims({ iss: server.issuer, aud: 'api', exp: NOW + MONTH }))

  it('refuses tokens, cached ones too, once the same key is republished under another alg', async () => {
    server.setKeys([rsa.publicJwk])
    const v = expiring()
    const old = await rsaToken()
    await v.verify(old)
    await v.verify(old)
    expect(v.cacheStats().hits).toBe(1)
    server.setKeys([{ ...rsa.publicJwk, alg: 'PS256' }])
    clock.advance(60_000)
    await expectAuthError(v.verify(old), 'key_not_found')
    await expect(v.verify(await rsaToken(pss))).resolves.toBeDefined()
  })

  it.each([
    ['use', { use: undefined }],
    ['key_ops', { key_ops: ['verify'] }],
    ['alg', { alg: undefined }],
  ])('drops cached verifications when only %s changes', async (_member, change) => {
    server.setKeys([rsa.publicJwk])
    const v = expiring()
    const t = await rsaToken()
    await v.verify(t)
    // Control: a refresh that republishes the same key keeps the cached verification.
    clock.advance(60_000)
    await v.verify(t)
    expect(v.cacheStats()).toMatchObject({ hits: 1, misses: 1 })
    server.setKeys([{ ...rsa.publicJwk, ...change }])
    clock.advance(60_000)
    // The key still verifies, but the token is verified again under the new identity.
    await expect(v.verify(t)).resolves.toBeDefined()
    expect(v.cacheStats()).toMatchObject({ hits: 1, misses: 2 })
    expect(server.hits.get('/jwks')).toBe(3)
  })
})
