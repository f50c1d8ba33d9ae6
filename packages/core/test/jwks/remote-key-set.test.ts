import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { createVerifier, type JwksOptions } from '@tokenguard/core'
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
  it('refetches at most once per cooldown, however many random kids arrive', async () => {
    const v = verifier({ cooldown: 30_000 })
    await v.verify(await token(k1))
    expect(server.hits.get('/jwks')).toBe(1)
    // Right after a fetch: no refetch at all.
    await Promise.all(
      Array.from({ length: 200 }, async () => expectAuthError(v.verify(randomKid()), 'key_not_found')),
    )
    expect(server.hits.get('/jwks')).toBe(1)
    clock.advance(29_999)
    await expectAuthError(v.verify(randomKid()), 'key_not_found')
    expect(server.hits.get('/jwks')).toBe(1)
    clock.advance(1)
    await Promise.all(
      Array.from({ length: 200 }, async () => expectAuthError(v.verify(randomKid()), 'key_not_found')),
    )
    for (let i = 0; i < 50; i++) await expectAuthError(v.verify(randomKid()), 'key_not_found')
    expect(server.hits.get('/jwks')).toBe(2)
    clock.advance(30_000)
    for (let i = 0; i < 50; i++) await expectAuthError(v.verify(randomKid()), 'key_not_found')
    expect(server.hits.get('/jwks')).toBe(3)
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
  it('accepts a new kid after one refetch', async () => {
    const v = verifier({ cooldown: 10_000 })
    await v.verify(await token(k1))
    server.setKeys([k1.publicJwk, k2.publicJwk])
    // Within the cooldown of the last fetch, the new key is not looked for yet (pinned).
    await expectAuthError(v.verify(await token(k2)), 'key_not_found')
    clock.advance(10_000)
    await expect(v.verify(await token(k2))).resolves.toBeDefined()
    expect(server.hits.get('/jwks')).toBe(2)
    await expect(v.verify(await token(k2))).resolves.toBeDefined()
    expect(server.hits.get('/jwks')).toBe(2)
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
    expect(server.hits.get('/jwks')).toBe(2)
  })
})
