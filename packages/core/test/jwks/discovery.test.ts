import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { createVerifier } from '@tokenguard/core'
import type { ServerResponse } from 'node:http'
import { createClock, type Clock } from '../support/clock.js'
import { expectAuthError } from '../support/expect-error.js'
import { startJwksServer, type JwksServer } from '../support/jwks-server.js'
import { claims, makeKey, NOW, sign, type TestKey } from '../support/keys.js'

/**
 * Discovery: OpenID Connect Discovery 1.0 §4 first, then RFC 8414 §3 (well-known path inserted between
 * host and issuer path). The document must name the configured issuer exactly and an allowed jwks_uri.
 */

const OIDC = '/issuer/.well-known/openid-configuration'
const MOVED = '/keys-moved'
let server: JwksServer
let key: TestKey
beforeAll(async () => {
  key = await makeKey('ES256')
  server = await startJwksServer([key.publicJwk])
})
afterAll(() => server.close())
afterEach(() => {
  for (const path of [...server.hits.keys(), OIDC, '/jwks', MOVED]) server.override(path, undefined)
  server.hits.clear()
})

function json(body: unknown, status = 200) {
  return (_req: unknown, res: ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(JSON.stringify(body))
  }
}

async function verifyAt(issuer: string, clock = createClock()) {
  const verifier = createVerifier({ issuer, audience: 'api', now: clock.now })
  return verifier.verify(await sign(key, claims({ iss: issuer, aud: 'api', exp: NOW + 86_400 * 30 })))
}

describe('where metadata is looked up', () => {
  it('uses the OpenID Connect document first', async () => {
    await expect(verifyAt(server.issuer)).resolves.toBeDefined()
    expect(server.hits.get(OIDC)).toBe(1)
    expect(server.hits.get('/jwks')).toBe(1)
  })

  it('falls back to RFC 8414 with the well-known path inserted before the issuer path', async () => {
    server.override(OIDC, json({}, 404))
    server.override(
      '/.well-known/oauth-authorization-server/issuer',
      json({ issuer: server.issuer, jwks_uri: server.jwksUri }),
    )
    await expect(verifyAt(server.issuer)).resolves.toBeDefined()
    expect(server.hits.get(OIDC)).toBe(1)
    expect(server.hits.get('/.well-known/oauth-authorization-server/issuer')).toBe(1)
  })

  it('removes a terminating slash of the issuer path before inserting (RFC 8414 §3.1)', async () => {
    const issuer = `${server.url}/tenant/`
    server.override(
      '/.well-known/oauth-authorization-server/tenant',
      json({ issuer, jwks_uri: server.jwksUri }),
    )
    await expect(verifyAt(issuer)).resolves.toBeDefined()
    expect(server.hits.get('/tenant/.well-known/openid-configuration')).toBe(1)
  })

  it('works for an issuer without a path', async () => {
    const issuer = `${server.url}/`
    server.override('/.well-known/openid-configuration', json({ issuer, jwks_uri: server.jwksUri }))
    await expect(verifyAt(issuer)).resolves.toBeDefined()
  })
})

describe('what the document must say (else 503)', () => {
  it.each([
    ['another issuer', () => ({ issuer: `${server.url}/other`, jwks_uri: server.jwksUri })],
    [
      'the issuer with a different trailing slash',
      () => ({ issuer: `${server.issuer}/`, jwks_uri: server.jwksUri }),
    ],
    ['no issuer', () => ({ jwks_uri: server.jwksUri })],
    [
      'an http jwks_uri off loopback',
      () => ({ issuer: server.issuer, jwks_uri: 'http://idp.example.com/jwks' }),
    ],
    ['a jwks_uri that is not a URL', () => ({ issuer: server.issuer, jwks_uri: 'jwks' })],
    ['no jwks_uri', () => ({ issuer: server.issuer })],
    ['a non-string jwks_uri', () => ({ issuer: server.issuer, jwks_uri: [server.jwksUri] })],
    ['not an object', () => [server.issuer]],
    ['null', () => null],
  ])('refuses %s', async (_name, body) => {
    server.override(OIDC, json(body()))
    const error = await expectAuthError(verifyAt(server.issuer), 'keys_unavailable')
    expect(error.headers).toEqual({ 'Retry-After': expect.any(String) })
    expect(server.hits.get('/jwks')).toBeUndefined()
  })

  it('accepts a document that starts with a UTF-8 BOM, as Fetch and jose do', async () => {
    server.override(OIDC, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(`\uFEFF${JSON.stringify({ issuer: server.issuer, jwks_uri: server.jwksUri })}`)
    })
    await expect(verifyAt(server.issuer)).resolves.toBeDefined()
  })

  it('answers 503 when neither document can be fetched', async () => {
    server.override(OIDC, json({ error: 'down' }, 500))
    await expectAuthError(verifyAt(server.issuer), 'keys_unavailable')
    expect(server.hits.get('/.well-known/oauth-authorization-server/issuer')).toBe(1)
  })

  it.each([
    ['answers 500', () => json({ error: 'down' }, 500), /unexpected HTTP status 500/],
    [
      'names another issuer',
      () => json({ issuer: `${server.url}/other`, jwks_uri: server.jwksUri }),
      /issuer does not match/,
    ],
  ])(
    'tells the operator why the OpenID document failed when it %s and RFC 8414 has none (404)',
    async (_name, handler, why) => {
      server.override(OIDC, handler())
      const error = await expectAuthError(verifyAt(server.issuer), 'keys_unavailable')
      expect(error.reason?.message).toMatch(why)
      expect(error.reason?.message).not.toMatch(/404/)
    },
  )

  it('reports the 404 when both documents are absent', async () => {
    server.override(OIDC, json({}, 404))
    const error = await expectAuthError(verifyAt(server.issuer), 'keys_unavailable')
    expect(error.reason?.message).toMatch(/unexpected HTTP status 404/)
  })
})

describe('caching', () => {
  it('reads the document again before a JWK Set fetch once it is jwks.maxCacheAge old, not before', async () => {
    const clock = createClock()
    const verifier = createVerifier({
      issuer: server.issuer,
      audience: 'api',
      now: clock.now,
      jwks: { cacheMaxAge: 1_000_000, maxCacheAge: 2_000_000, refreshAhead: 0 },
      cache: false,
    })
    const token = await sign(key, claims({ iss: server.issuer, aud: 'api', exp: NOW + 86_400 * 30 }))
    await verifier.verify(token)
    clock.advance(1_000_000)
    await verifier.verify(token)
    expect(server.hits.get('/jwks')).toBe(2)
    expect(server.hits.get(OIDC)).toBe(1)
    clock.advance(999_999)
    await verifier.verify(token)
    expect(server.hits.get(OIDC)).toBe(1)
    clock.advance(1)
    await verifier.verify(token)
    expect(server.hits.get('/jwks')).toBe(3)
    expect(server.hits.get(OIDC)).toBe(2)
  })

  it('retries discovery after a failure', async () => {
    const clock = createClock()
    const verifier = createVerifier({ issuer: server.issuer, audience: 'api', now: clock.now })
    const token = await sign(key, claims({ iss: server.issuer, aud: 'api' }))
    server.override(OIDC, json({}, 503))
    await expectAuthError(verifier.verify(token), 'keys_unavailable')
    server.override(OIDC, undefined)
    clock.advance(5_000)
    await expect(verifier.verify(token)).resolves.toBeDefined()
  })
})

describe('re-discovery', () => {
  const moved = () => `${server.url}${MOVED}`
  let clock: Clock
  /** Keys live 1 s and the cooldown is 10 s, so each test sees several JWK Set fetches per cooldown. */
  const verifier = () =>
    createVerifier({
      issuer: server.issuer,
      audience: 'api',
      now: clock.now,
      jwks: { cacheMaxAge: 1_000, minCacheAge: 0, refreshAhead: 0, cooldown: 10_000 },
      cache: false,
    })
  let token: string
  beforeEach(async () => {
    clock = createClock()
    token = await sign(key, claims({ iss: server.issuer, aud: 'api', exp: NOW + 86_400 * 30 }))
  })
  /** The provider moves its JWK Set: the old URL answers `status`, the metadata names the new one. */
  const move = (status: number, metadata: unknown = { issuer: server.issuer, jwks_uri: moved() }) => {
    server.override(MOVED, json({ keys: [key.publicJwk] }))
    server.override('/jwks', json({}, status))
    server.override(OIDC, json(metadata))
  }

  it.each([404, 410])('follows a moved jwks_uri when the old one answers %d', async (status) => {
    const v = verifier()
    await v.verify(token)
    move(status)
    clock.advance(10_000)
    await expect(v.verify(token)).resolves.toBeDefined()
    expect(server.hits.get(OIDC)).toBe(2)
    expect(server.hits.get(MOVED)).toBe(1)
    // Later refreshes go to the new URL directly.
    clock.advance(1_000)
    await v.verify(token)
    expect(server.hits.get('/jwks')).toBe(2)
    expect(server.hits.get(MOVED)).toBe(2)
  })

  it('reads the metadata at most once per cooldown, serving the last keys meanwhile', async () => {
    const v = verifier()
    await v.verify(token)
    move(404)
    // 1 s after discovery: the 404 is within the cooldown of that read, so no re-read; stale keys serve.
    clock.advance(1_000)
    await expect(v.verify(token)).resolves.toBeDefined()
    clock.advance(5_000) // the retry delay after the failed fetch
    await expect(v.verify(token)).resolves.toBeDefined()
    expect(server.hits.get('/jwks')).toBe(3)
    expect(server.hits.get(OIDC)).toBe(1)
    clock.advance(3_999) // 9 999 ms after discovery
    await v.verify(token)
    expect(server.hits.get(OIDC)).toBe(1)
    clock.advance(1_001) // 11 000 ms after discovery, 5 000 after the last failure
    await v.verify(token)
    expect(server.hits.get(OIDC)).toBe(2)
    expect(server.hits.get(MOVED)).toBe(1)
  })

  it('a URL that keeps answering 404 while the metadata still names it costs one read per cooldown', async () => {
    const v = verifier()
    await v.verify(token)
    move(404, { issuer: server.issuer, jwks_uri: server.jwksUri })
    for (let step = 0; step < 5; step++) {
      clock.advance(5_000)
      await expect(v.verify(token)).resolves.toBeDefined() // stale keys
    }
    expect(server.hits.get('/jwks')).toBe(6)
    // Five failed fetches, 5 s apart; reads at 0 (discovery), 10 000 and 20 000 ms: one per cooldown.
    expect(server.hits.get(OIDC)).toBe(3)
  })

  it.each([
    ['names another issuer', () => ({ issuer: `${server.url}/other`, jwks_uri: moved() })],
    ['has no jwks_uri', () => ({ issuer: server.issuer })],
  ])('keeps the last good jwks_uri when the re-read document %s', async (_name, metadata) => {
    const v = createVerifier({
      issuer: server.issuer,
      audience: 'api',
      now: clock.now,
      jwks: { cacheMaxAge: 1_000, minCacheAge: 0, maxCacheAge: 1_000, refreshAhead: 0, cooldown: 0 },
      cache: false,
    })
    await v.verify(token)
    server.override(MOVED, json({ keys: [key.publicJwk] }))
    server.override(OIDC, json(metadata()))
    clock.advance(1_000)
    await expect(v.verify(token)).resolves.toBeDefined()
    expect(server.hits.get(OIDC)).toBe(2)
    expect(server.hits.get('/jwks')).toBe(2)
    // Even when the old URL answers 404, a document that fails the checks is never followed.
    server.override('/jwks', json({}, 404))
    clock.advance(1_000)
    await expect(v.verify(token)).resolves.toBeDefined() // stale keys
    expect(server.hits.get(MOVED)).toBeUndefined()
  })

  it('keeps the last good jwks_uri when the metadata cannot be read again', async () => {
    const v = verifier()
    await v.verify(token)
    server.override(OIDC, json({}, 503))
    clock.advance(10_000)
    server.override('/jwks', json({}, 404))
    await expect(v.verify(token)).resolves.toBeDefined() // stale keys: the 404 stands
    server.override('/jwks', undefined)
    clock.advance(5_000)
    await expect(v.verify(token)).resolves.toBeDefined()
    expect(server.hits.get('/jwks')).toBe(3)
    expect(server.hits.get(OIDC)).toBe(2)
  })

  it('does not rediscover for a configured jwksUri', async () => {
    const v = createVerifier({
      issuer: server.issuer,
      audience: 'api',
      jwksUri: server.jwksUri,
      now: clock.now,
      jwks: { cacheMaxAge: 1_000, minCacheAge: 0, refreshAhead: 0, cooldown: 0 },
      cache: false,
    })
    await v.verify(token)
    move(404)
    clock.advance(1_000)
    await v.verify(token) // stale keys
    expect(server.hits.get(OIDC)).toBeUndefined()
    expect(server.hits.get(MOVED)).toBeUndefined()
  })
})
