import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { createVerifier, type AuthError, type VerifierOptions } from '@tokenguard/core'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { expectInvalidToken } from '../support/attack.js'
import { startJwksServer, type Handler, type JwksServer } from '../support/jwks-server.js'
import { AUDIENCE, b64url, claims, makeKey, NOW, sign, type TestKey } from '../support/keys.js'

/**
 * Catalog section H (items 67–75) and issue 4's fault scenarios, through the public API against a real
 * loopback server whose behaviour each test programs.
 */

let server: JwksServer
let other: JwksServer
let k1: TestKey
let k2: TestKey
let now: number
beforeAll(async () => {
  ;[k1, k2] = await Promise.all([makeKey('ES256'), makeKey('ES256')])
  ;[server, other] = await Promise.all([startJwksServer(), startJwksServer()])
})
afterAll(async () => {
  await server.close()
  await other.close()
})
beforeEach(() => {
  now = NOW * 1000
  server.setKeys([k1.publicJwk])
  server.hits.clear()
  for (const path of ['/jwks', '/moved', '/issuer/.well-known/openid-configuration'])
    server.override(path, undefined)
})

const verifier = (jwks: VerifierOptions['jwks'] = {}, extra: Partial<VerifierOptions> = {}) =>
  createVerifier({
    issuer: server.issuer,
    audience: AUDIENCE,
    now: () => now,
    jwks: { timeout: 300, ...jwks },
    ...extra,
  })
const token = (key = k1, extra: Record<string, unknown> = {}) =>
  sign(key, claims({ iss: server.issuer, exp: NOW + 86_400, ...extra }))
const expectUnavailable = async (attempt: Promise<unknown>) => {
  const error = (await attempt.then(
    () => undefined,
    (e: unknown) => e,
  )) as AuthError
  expect(error).toMatchObject({ code: 'keys_unavailable', status: 503 })
  expect(error.headers['Retry-After']).toMatch(/^\d+$/)
  expect(error.headers['WWW-Authenticate']).toBeUndefined()
}
const jwks = (handler: Handler) => server.override('/jwks', handler)

describe('H69–H71 endpoint failures are 503, never 401, never accepted', () => {
  it('a hanging server fails at the timeout while the process keeps serving other requests', async () => {
    jwks(() => undefined) // never answers
    const hanging = verifier().verify(await token())
    let settled = false
    void hanging.catch(() => (settled = true))
    const staticVerifier = createVerifier({
      issuer: null,
      audience: null,
      keys: k1.publicJwk,
      now: () => now,
    })
    await expect(staticVerifier.verify(await token())).resolves.toBeDefined()
    expect(settled).toBe(false)
    await expectUnavailable(hanging)
  })
  it('a slow drip (headers sent, then one byte every 50 ms) is cut by the same timeout', async () => {
    jwks((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      const timer = setInterval(() => res.write(' '), 50)
      res.on('close', () => clearInterval(timer))
    })
    await expectUnavailable(verifier().verify(await token()))
  })
  it.each([
    ['500', (_q, res) => res.writeHead(500).end('{"keys":[]}')],
    ['404', (_q, res) => res.writeHead(404).end()],
    ['truncated JSON', (_q, res) => res.writeHead(200).end('{"keys":[')],
    ['{"keys":"x"}', (_q, res) => res.writeHead(200).end('{"keys":"x"}')],
    ['{}', (_q, res) => res.writeHead(200).end('{}')],
    ['[]', (_q, res) => res.writeHead(200).end('[]')],
    ['HTML', (_q, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>')],
  ] as [string, Handler][])('%s → 503', async (_name, handler) => {
    jwks(handler)
    await expectUnavailable(verifier().verify(await token()))
  })
  it('a JWK Set or metadata document starting with a UTF-8 BOM is used, as Fetch and jose use it', async () => {
    const bom =
      (body: unknown): Handler =>
      (_q, res) =>
        res.writeHead(200).end(`\uFEFF${JSON.stringify(body)}`)
    jwks(bom({ keys: [k1.publicJwk] }))
    await expect(verifier({}, { jwksUri: server.jwksUri }).verify(await token())).resolves.toBeDefined()
    server.override(
      '/issuer/.well-known/openid-configuration',
      bom({ issuer: server.issuer, jwks_uri: server.jwksUri }),
    )
    await expect(verifier().verify(await token())).resolves.toBeDefined()
  })
  it('pinned: {"keys":[1]} is a set with no usable key → 401 key_not_found; JSON served as text/html is used', async () => {
    jwks((_q, res) => res.writeHead(200).end('{"keys":[1]}'))
    await expectInvalidToken(verifier().verify(await token()), 'key_not_found')
    jwks((_q, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end(JSON.stringify({ keys: [k1.publicJwk] })),
    )
    await expect(verifier().verify(await token())).resolves.toBeDefined()
  })
  it('a redirect to another origin is refused (503) and the other origin gets no request', async () => {
    other.setKeys([k1.publicJwk])
    jwks((_q, res) => res.writeHead(302, { location: other.jwksUri }).end())
    await expectUnavailable(verifier().verify(await token()))
    expect(other.totalHits()).toBe(0)
    // Pinned: a same-origin redirect (e.g. a moved path) is followed.
    server.override('/moved', (_q, res) => res.writeHead(200).end(JSON.stringify({ keys: [k1.publicJwk] })))
    jwks((_q, res) => res.writeHead(301, { location: '/moved' }).end())
    await expect(verifier().verify(await token())).resolves.toBeDefined()
  })
  it('a 50 MB body is cut at the size limit, the heap barely grows, the server is not read to the end', async () => {
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    const chunk = Buffer.alloc(64 * 1024, 0x20)
    let written = 0
    jwks((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write(`{"keys":[${JSON.stringify(k1.publicJwk)}`)
      const pump = () => {
        while (written < 50 * 1024 * 1024) {
          written += chunk.length
          if (!res.write(chunk)) return void res.once('drain', pump)
        }
        res.end(']}')
      }
      res.on('close', () => res.removeAllListeners('drain'))
      pump()
    })
    const v = verifier({ timeout: 5_000 })
    const t = await token()
    gc()
    const before = process.memoryUsage().heapUsed
    await expectUnavailable(v.verify(t))
    gc()
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(8 * 1024 * 1024)
    expect(written).toBeLessThan(50 * 1024 * 1024)
    // A declared Content-Length over the limit is refused without reading the body.
    jwks((_q, res) => res.writeHead(200, { 'content-length': String(50 * 1024 * 1024) }).end())
    await expectUnavailable(verifier().verify(t))
  })
})

describe('H72 stale keys during an outage', () => {
  it('after keys were cached, valid tokens pass for the stale window after expiry, then 503', async () => {
    const v = verifier({ cacheMaxAge: 60_000, staleWindow: 120_000, refreshAhead: 0 }, { cache: false })
    const t = await token()
    await v.verify(t)
    jwks((_q, res) => res.writeHead(500).end())
    now += 60_000 + 119_000
    await expect(v.verify(t)).resolves.toBeDefined()
    expect(server.totalHits('/jwks')).toBeGreaterThan(1) // a refresh was tried, and failed
    now += 1_000
    await expectUnavailable(v.verify(t))
    // Recovery: the issuer answers again, the next attempt (after the retry delay) succeeds.
    server.override('/jwks', undefined)
    now += 5_000
    await expect(v.verify(t)).resolves.toBeDefined()
  })
})

describe('retry after a failed fetch', () => {
  it.each([
    ['JWK Set, default cooldown: 5 s', '/jwks', {}, 5_000],
    ['JWK Set, shorter cooldown', '/jwks', { cooldown: 2_000 }, 2_000],
    ['discovery, default cooldown: 5 s', '/issuer/.well-known/openid-configuration', {}, 5_000],
    ['discovery, shorter cooldown', '/issuer/.well-known/openid-configuration', { cooldown: 2_000 }, 2_000],
  ] as const)(
    '%s: no new request before min(5 s, cooldown), then one',
    async (_name, path, options, delay) => {
      server.override(path, (_q, res) => res.writeHead(500).end())
      const v = verifier(options, { cache: false })
      const t = await token()
      await expectUnavailable(v.verify(t))
      expect(server.totalHits(path)).toBe(1)
      now += delay - 1
      await expectUnavailable(v.verify(t))
      expect(server.totalHits(path)).toBe(1)
      server.override(path, undefined)
      now += 1
      await expect(v.verify(t)).resolves.toBeDefined()
      expect(server.totalHits(path)).toBe(2)
    },
  )
})

describe('H67–H68 refetch amplification and cold stampede', () => {
  /** A token whose header names a random kid; never signed (no key is ever found for it). */
  const randomKid = (template: string) => {
    const [, p, s] = template.split('.')
    return `${b64url(JSON.stringify({ alg: 'ES256', kid: `kid-${Math.random().toString(36).slice(2)}` }))}.${p}.${s}`
  }
  it('10 000 tokens with random kids: one refetch after the first load, then exactly one per cooldown', async () => {
    const v = verifier({ cooldown: 30_000, timeout: 5_000 }) // counts refetches; a loaded host must not time them out
    const t = await token()
    await v.verify(t)
    expect(server.totalHits('/jwks')).toBe(1)
    const flood = async (count: number) => {
      const results = await Promise.allSettled(Array.from({ length: count }, () => v.verify(randomKid(t))))
      expect(
        results.every((r) => r.status === 'rejected' && (r.reason as AuthError).code === 'key_not_found'),
      ).toBe(true)
    }
    // The first load arms one refetch (a key may have been published just after it); the flood shares it.
    await flood(5_000)
    expect(server.totalHits('/jwks')).toBe(2)
    await flood(5_000)
    now += 29_999
    await flood(10)
    expect(server.totalHits('/jwks')).toBe(2)
    now += 1
    await flood(5_000)
    expect(server.totalHits('/jwks')).toBe(3)
    for (let window = 1; window <= 3; window++) {
      now += 30_000
      await flood(10)
      expect(server.totalHits('/jwks')).toBe(3 + window)
    }
  })
  it('1 000 concurrent cold verifications cause exactly one request', async () => {
    // Counts requests, not timeouts: on a loaded two-core CI host 300 ms is not enough for the discovery round.
    const v = verifier({ timeout: 5_000 }, { cache: false })
    const t = await token()
    const results = await Promise.all(Array.from({ length: 1_000 }, () => v.verify(t)))
    expect(results).toHaveLength(1_000)
    expect(server.totalHits('/jwks') + server.totalHits('/issuer/.well-known/openid-configuration')).toBe(2)
    expect(server.totalHits('/jwks')).toBe(1)
  })
})

describe('H73 key rotation', () => {
  it('a key published right after the last fetch is accepted at once, with one refetch', async () => {
    const v = verifier({ cooldown: 30_000, cacheMaxAge: 60_000, minCacheAge: 0, refreshAhead: 0 })
    await v.verify(await token(k1))
    server.setKeys([k1.publicJwk, k2.publicJwk])
    await expect(v.verify(await token(k2))).resolves.toBeDefined() // within the cooldown of the first load
    expect(server.totalHits('/jwks')).toBe(2)
    await expect(v.verify(await token(k1))).resolves.toBeDefined() // both published: both verify
    // The same after a scheduled refresh, even inside the cooldown of the refetch above.
    now += 60_000
    await v.verify(await token(k1))
    expect(server.totalHits('/jwks')).toBe(3)
    const k3 = await makeKey('ES256')
    server.setKeys([k1.publicJwk, k2.publicJwk, k3.publicJwk])
    await expect(v.verify(await token(k3))).resolves.toBeDefined()
    expect(server.totalHits('/jwks')).toBe(4)
  })
  it('after a refetch an unknown kid caused, the next one waits for the cooldown (pinned window)', async () => {
    const v = verifier({ cooldown: 30_000 })
    await v.verify(await token(k1))
    const k3 = await makeKey('ES256')
    await expectInvalidToken(v.verify(await token(k3)), 'key_not_found') // spends the armed refetch
    server.setKeys([k1.publicJwk, k3.publicJwk])
    await expectInvalidToken(v.verify(await token(k3)), 'key_not_found')
    expect(server.totalHits('/jwks')).toBe(2)
    now += 30_000
    await expect(v.verify(await token(k3))).resolves.toBeDefined()
    expect(server.totalHits('/jwks')).toBe(3)
  })
  it('a removed key stops verifying once the set is refreshed, cached verifications included', async () => {
    const v = verifier({ cacheMaxAge: 60_000, refreshAhead: 0 })
    const t1 = await token(k1)
    await v.verify(t1)
    await v.verify(t1)
    expect(v.cacheStats().hits).toBe(1)
    server.setKeys([k2.publicJwk])
    now += 60_000
    await expectInvalidToken(v.verify(t1), 'key_not_found')
    await expect(v.verify(await token(k2))).resolves.toBeDefined()
  })
  it('the same key republished under another alg stops verifying its tokens, cached ones included', async () => {
    const rsa = await makeKey('RS256')
    server.setKeys([rsa.publicJwk])
    const v = verifier({ cacheMaxAge: 60_000, refreshAhead: 0 })
    const t = await token(rsa)
    await v.verify(t)
    await v.verify(t)
    expect(v.cacheStats().hits).toBe(1)
    server.setKeys([{ ...rsa.publicJwk, alg: 'PS256' }])
    now += 60_000
    await expectInvalidToken(v.verify(t), 'key_not_found')
    expect(v.cacheStats().hits).toBe(1)
  })
})

describe('H74 discovery hygiene', () => {
  const metadata =
    (body: unknown): Handler =>
    (_q, res) =>
      res.writeHead(200).end(JSON.stringify(body))
  it.each([
    ['issuer with a trailing slash', () => ({ issuer: `${server.issuer}/`, jwks_uri: server.jwksUri })],
    ['issuer in upper case', () => ({ issuer: server.issuer.toUpperCase(), jwks_uri: server.jwksUri })],
    [
      'jwks_uri over plain http to a public host',
      () => ({ issuer: server.issuer, jwks_uri: 'http://example.com/jwks' }),
    ],
    ['no jwks_uri', () => ({ issuer: server.issuer })],
  ])('%s → 503, no key fetched', async (_name, body) => {
    server.override('/issuer/.well-known/openid-configuration', metadata(body()))
    await expectUnavailable(verifier().verify(await token()))
    expect(server.totalHits('/jwks')).toBe(0)
  })
  it.each([404, 410])('a provider that moves its jwks_uri (old URL → %d) is rediscovered', async (status) => {
    const v = verifier({ cacheMaxAge: 60_000, refreshAhead: 0 }, { cache: false })
    await v.verify(await token())
    server.override('/moved', (_q, res) => res.writeHead(200).end(JSON.stringify({ keys: [k2.publicJwk] })))
    server.override(
      '/issuer/.well-known/openid-configuration',
      metadata({ issuer: server.issuer, jwks_uri: `${server.url}/moved` }),
    )
    jwks((_q, res) => res.writeHead(status).end())
    now += 60_000
    await expect(v.verify(await token(k2))).resolves.toBeDefined()
    await expectInvalidToken(v.verify(await token(k1)), 'key_not_found') // rotated out with the move
    expect(server.totalHits('/issuer/.well-known/openid-configuration')).toBe(2)
  })
  it('metadata older than jwks.maxCacheAge is read again; a failed re-read keeps the last jwks_uri', async () => {
    const v = verifier({ cacheMaxAge: 60_000, maxCacheAge: 120_000, refreshAhead: 0 }, { cache: false })
    await v.verify(await token())
    now += 60_000
    await v.verify(await token())
    expect(server.totalHits('/issuer/.well-known/openid-configuration')).toBe(1)
    server.override('/issuer/.well-known/openid-configuration', (_q, res) => res.writeHead(500).end())
    now += 60_000
    await expect(v.verify(await token())).resolves.toBeDefined()
    expect(server.totalHits('/issuer/.well-known/openid-configuration')).toBe(2)
    expect(server.totalHits('/jwks')).toBe(3)
  })
  it('a configured issuer with a query or fragment, or an issuer entry naming several, is refused', () => {
    for (const issuer of ['https://idp.example.com/?tenant=a', 'https://idp.example.com/#k']) {
      expect(() => createVerifier({ issuer, audience: AUDIENCE })).toThrow(TypeError)
      expect(() => createVerifier({ issuer, audience: AUDIENCE, keys: k1.publicJwk })).toThrow(TypeError)
    }
    const several = ['https://a.example/', 'https://b.example/'] as unknown as string
    expect(() =>
      createVerifier({ issuer: [{ issuer: several, keys: k1.publicJwk }], audience: AUDIENCE }),
    ).toThrow(TypeError)
  })
  it('a configured non-https JWK Set URL or issuer (other than loopback) is refused at start-up', () => {
    expect(() =>
      createVerifier({ issuer: null, audience: null, jwksUri: 'http://idp.example.com/jwks' }),
    ).toThrow(TypeError)
    expect(() => createVerifier({ issuer: 'http://idp.example.com/', audience: AUDIENCE })).toThrow(TypeError)
  })
})
