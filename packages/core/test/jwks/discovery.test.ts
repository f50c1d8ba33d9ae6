import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { createVerifier } from '@tokenguard/core'
import type { ServerResponse } from 'node:http'
import { createClock } from '../support/clock.js'
import { expectAuthError } from '../support/expect-error.js'
import { startJwksServer, type JwksServer } from '../support/jwks-server.js'
import { claims, makeKey, NOW, sign, type TestKey } from '../support/keys.js'

/**
 * Discovery: OpenID Connect Discovery 1.0 §4 first, then RFC 8414 §3 (well-known path inserted between
 * host and issuer path). The document must name the configured issuer exactly and an allowed jwks_uri.
 */

const OIDC = '/issuer/.well-known/openid-configuration'
let server: JwksServer
let key: TestKey
beforeAll(async () => {
  key = await makeKey('ES256')
  server = await startJwksServer([key.publicJwk])
})
afterAll(() => server.close())
afterEach(() => {
  for (const path of [...server.hits.keys()]) server.override(path, undefined)
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

  it('answers 503 when neither document can be fetched', async () => {
    server.override(OIDC, json({ error: 'down' }, 500))
    await expectAuthError(verifyAt(server.issuer), 'keys_unavailable')
    expect(server.hits.get('/.well-known/oauth-authorization-server/issuer')).toBe(1)
  })
})

describe('caching', () => {
  it('fetches the document once, also across JWK Set refreshes', async () => {
    const clock = createClock()
    const verifier = createVerifier({ issuer: server.issuer, audience: 'api', now: clock.now })
    const token = await sign(key, claims({ iss: server.issuer, aud: 'api', exp: NOW + 86_400 * 30 }))
    await verifier.verify(token)
    clock.advance(86_400_000 * 2)
    await verifier.verify(token)
    expect(server.hits.get('/jwks')).toBe(2)
    expect(server.hits.get(OIDC)).toBe(1)
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
