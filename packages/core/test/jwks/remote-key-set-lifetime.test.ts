import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { createVerifier, type JwksOptions } from '@tokenguard/core'
import type { ServerResponse } from 'node:http'
import { createClock, type Clock } from '../support/clock.js'
import { expectAuthError } from '../support/expect-error.js'
import { startJwksServer, type JwksServer } from '../support/jwks-server.js'
import { claims, makeKey, NOW, sign, type TestKey } from '../support/keys.js'

/**
 * How long a fetched JWK Set lives: Cache-Control max-age within [minCacheAge, maxCacheAge], refresh ahead
 * of expiry in the background, stale-if-error, and backoff after a failed fetch. Boundaries are exact.
 */

const MONTH = 86_400 * 30
let server: JwksServer
let k1: TestKey
let k2: TestKey
let clock: Clock
let t1: string
beforeAll(async () => {
  ;[k1, k2] = await Promise.all([makeKey('ES256', { kid: 'k1' }), makeKey('ES256', { kid: 'k2' })])
  server = await startJwksServer()
  t1 = await sign(k1, claims({ iss: server.issuer, aud: 'api', exp: NOW + MONTH }))
})
afterAll(() => server.close())
beforeEach(() => {
  server.setKeys([k1.publicJwk])
  server.override('/jwks', undefined)
  server.jwksHeaders = {}
  server.hits.clear()
  clock = createClock()
})

// The token cache is off so that every verification asks the key set.
const verifier = (jwks: JwksOptions = {}) =>
  createVerifier({
    issuer: server.issuer,
    audience: 'api',
    jwksUri: server.jwksUri,
    now: clock.now,
    jwks,
    cache: false,
  })
const fetches = () => server.hits.get('/jwks') ?? 0
const fail = () => server.override('/jwks', (_req, res: ServerResponse) => res.writeHead(500).end())

/** Verifies at `ms` after the start and returns the number of JWK Set requests so far. */
async function fetchesAfter(v: ReturnType<typeof verifier>, ms: number, start: number): Promise<number> {
  clock.advance(start + ms - clock.now())
  await v.verify(t1)
  return fetches()
}

describe('cache age', () => {
  it.each([
    ['max-age within bounds is honoured', 'max-age=120', {}, 120_000],
    ['max-age below minCacheAge is raised', 'max-age=1', { minCacheAge: 60_000 }, 60_000],
    ['max-age above maxCacheAge is lowered', 'max-age=999999999', { maxCacheAge: 3_600_000 }, 3_600_000],
    ['no-store counts as 0, then minCacheAge', 'no-store', { minCacheAge: 30_000 }, 30_000],
    ['without max-age cacheMaxAge applies', 'public', { cacheMaxAge: 90_000 }, 90_000],
    ['a malformed max-age is ignored', 'max-age=12abc', { cacheMaxAge: 90_000 }, 90_000],
  ])('%s', async (_name, cacheControl, jwks, age) => {
    server.jwksHeaders = { 'cache-control': cacheControl }
    const v = verifier({ refreshAhead: 0, ...jwks })
    const start = clock.now()
    expect(await fetchesAfter(v, 0, start)).toBe(1)
    expect(await fetchesAfter(v, age - 1, start)).toBe(1)
    expect(await fetchesAfter(v, age, start)).toBe(2)
  })

  it('uses 10 minutes without Cache-Control by default', async () => {
    const v = verifier({ refreshAhead: 0 })
    const start = clock.now()
    expect(await fetchesAfter(v, 0, start)).toBe(1)
    expect(await fetchesAfter(v, 599_999, start)).toBe(1)
    expect(await fetchesAfter(v, 600_000, start)).toBe(2)
  })
})

describe('refresh ahead', () => {
  it('refreshes in the background refreshAhead before expiry, without making requests wait', async () => {
    const v = verifier({ cacheMaxAge: 100_000, refreshAhead: 30_000, cooldown: 1_000_000 })
    await v.verify(t1)
    clock.advance(69_999)
    await v.verify(t1)
    expect(fetches()).toBe(1)

    let release: () => void = () => undefined
    server.override('/jwks', (_req, res) => {
      release = () => {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ keys: [k1.publicJwk, k2.publicJwk] }))
      }
    })
    clock.advance(1)
    // The refresh is pending on the server, yet verification answers from the current keys.
    await expect(v.verify(t1)).resolves.toBeDefined()
    await expect(v.verify(t1)).resolves.toBeDefined()
    expect(fetches()).toBe(2)
    release()
    // k2 only exists in the refreshed set; an unknown kid joins the refresh in flight (no new request).
    await expect(
      v.verify(await sign(k2, claims({ iss: server.issuer, aud: 'api', exp: NOW + MONTH }))),
    ).resolves.toBeDefined()
    expect(fetches()).toBe(2)
    // The refreshed set lives from its own fetch: nothing more until then.
    clock.advance(99_000 - 30_000)
    await v.verify(t1)
    expect(fetches()).toBe(2)
  })

  it('keeps serving the current keys when the background refresh fails', async () => {
    const v = verifier({ cacheMaxAge: 100_000, refreshAhead: 30_000 })
    await v.verify(t1)
    fail()
    clock.advance(80_000)
    await expect(v.verify(t1)).resolves.toBeDefined()
    await expect(v.verify(t1)).resolves.toBeDefined()
    expect(fetches()).toBe(2)
  })
})

describe('stale-if-error', () => {
  it('serves the last good keys for staleWindow after expiry while refreshes fail, then 503', async () => {
    const v = verifier({ cacheMaxAge: 100_000, refreshAhead: 0, staleWindow: 50_000 })
    await v.verify(t1)
    fail()
    clock.advance(100_000)
    await expect(v.verify(t1)).resolves.toBeDefined()
    expect(fetches()).toBe(2)
    clock.advance(49_999)
    await expect(v.verify(t1)).resolves.toBeDefined()
    clock.advance(1)
    const error = await expectAuthError(v.verify(t1), 'keys_unavailable')
    expect(error.headers['Retry-After']).toBeDefined()
    expect((error.cause as Error).name).toBe('FetchJsonError')
    // Recovery: the next allowed attempt succeeds and the keys serve again.
    server.override('/jwks', undefined)
    clock.advance(5_000)
    await expect(v.verify(t1)).resolves.toBeDefined()
  })

  it('fails closed at expiry with staleWindow 0', async () => {
    const v = verifier({ cacheMaxAge: 100_000, refreshAhead: 0, staleWindow: 0 })
    await v.verify(t1)
    fail()
    clock.advance(99_999)
    await expect(v.verify(t1)).resolves.toBeDefined()
    clock.advance(1)
    await expectAuthError(v.verify(t1), 'keys_unavailable')
  })
})

describe('backoff after a failure', () => {
  it('does not retry a failed cold fetch for 5 s: 503 without a request', async () => {
    fail()
    const v = verifier()
    await expectAuthError(v.verify(t1), 'keys_unavailable')
    expect(fetches()).toBe(1)
    clock.advance(4_999)
    await expectAuthError(v.verify(t1), 'keys_unavailable')
    await expectAuthError(v.verify(t1), 'keys_unavailable')
    expect(fetches()).toBe(1)
    server.override('/jwks', undefined)
    clock.advance(1)
    await expect(v.verify(t1)).resolves.toBeDefined()
    expect(fetches()).toBe(2)
  })

  it('waits the cooldown instead when it is shorter', async () => {
    fail()
    const v = verifier({ cooldown: 1_000 })
    await expectAuthError(v.verify(t1), 'keys_unavailable')
    clock.advance(999)
    await expectAuthError(v.verify(t1), 'keys_unavailable')
    expect(fetches()).toBe(1)
    clock.advance(1)
    await expectAuthError(v.verify(t1), 'keys_unavailable')
    expect(fetches()).toBe(2)
  })

  it('retries at most once per backoff while serving stale keys', async () => {
    const v = verifier({ cacheMaxAge: 100_000, refreshAhead: 0 })
    await v.verify(t1)
    fail()
    clock.advance(100_000)
    for (let i = 0; i < 20; i++) await v.verify(t1)
    expect(fetches()).toBe(2)
    clock.advance(5_000)
    for (let i = 0; i < 20; i++) await v.verify(t1)
    expect(fetches()).toBe(3)
  })
})
