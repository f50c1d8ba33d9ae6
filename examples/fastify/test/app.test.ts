import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { FastifyInstance } from 'fastify'
import request from 'supertest'
import { createTestIssuer, type TestIssuer } from '@tokenguard/testing'
import { createApp, ITEMS } from '../src/app.js'

/** No token: a bare Bearer challenge, then the DPoP one (DPoP is allowed by default) with its algorithms. */
const BARE_CHALLENGES =
  'Bearer, DPoP algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519"'

let issuer: TestIssuer
let app: FastifyInstance

beforeAll(async () => {
  issuer = await createTestIssuer()
  app = await createApp({ issuer: issuer.url, audience: issuer.audience })
})
afterAll(async () => {
  await app.close()
  await issuer.close()
})

/**
 * GET through the real app. This is `app.inject()` in your own tests; here it goes over supertest on
 * `app.server` because Fastify 5's inject `require()`s an ESM-only module, which Jest's module runtime
 * cannot load on Node 20.
 */
async function get(url: string, token?: string, target = app) {
  await target.ready()
  const res = await request(target.server)
    .get(url)
    .set(token === undefined ? {} : { authorization: `Bearer ${token}` })
  return { statusCode: res.status, headers: res.headers, body: res.text, json: () => JSON.parse(res.text) }
}

describe('Fastify example', () => {
  it('serves /health without a token', async () => {
    const res = await get('/health')
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ status: 'ok' })
  })

  it('answers /me with the claims of a valid token', async () => {
    const res = await get('/me', await issuer.sign({ sub: 'alice', scope: 'profile' }))
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({
      sub: 'alice',
      iss: issuer.url,
      aud: issuer.audience,
      scope: 'profile',
    })
  })

  it('challenges a request without a token with bare Bearer and DPoP challenges', async () => {
    const res = await get('/me')
    expect(res.statusCode).toBe(401)
    expect(res.headers['www-authenticate']).toBe(BARE_CHALLENGES)
    expect(res.json()).toMatchObject({ error: 'credentials_required' })
  })

  it('challenges a CORS preflight without a token (no CORS plugin here; allowPreflight is off)', async () => {
    await app.ready()
    const res = await request(app.server)
      .options('/me')
      .set('Origin', 'https://app.example')
      .set('Access-Control-Request-Method', 'GET')
    expect(res.status).toBe(401)
    expect(res.headers['www-authenticate']).toBe(BARE_CHALLENGES)
  })

  it('rejects an expired token as invalid_token, without echoing it', async () => {
    const token = await issuer.sign({}, { expiresIn: -3600 })
    const res = await get('/me', token)
    expect(res.statusCode).toBe(401)
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"')
    expect(res.json()).toMatchObject({ error: 'token_expired' })
    expect(res.body).not.toContain(token.split('.')[1])
  })

  it('rejects a token for another audience', async () => {
    const res = await get(
      '/items',
      await issuer.sign({ scope: 'read:items' }, { audience: 'https://other.api' }),
    )
    expect(res.statusCode).toBe(401)
    expect(res.json()).toMatchObject({ error: 'claim_invalid' })
  })

  it('serves /items to a token with read:items', async () => {
    const res = await get('/items', await issuer.sign({ scope: 'profile read:items' }))
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual(ITEMS)
  })

  it('answers 403 insufficient_scope on /items without read:items', async () => {
    const res = await get('/items', await issuer.sign({ scope: 'profile read:itemsx' }))
    expect(res.statusCode).toBe(403)
    expect(res.headers['www-authenticate']).toContain('error="insufficient_scope"')
    expect(res.headers['www-authenticate']).toContain('scope="read:items"')
    expect(res.json()).toMatchObject({ error: 'insufficient_scope' })
  })

  it('guards /admin by role (config.auth)', async () => {
    const admin = await get('/admin', await issuer.sign({ sub: 'root', roles: ['admin'] }))
    expect(admin.statusCode).toBe(200)
    expect(admin.json()).toEqual({ message: 'hello, admin root' })
    expect((await get('/admin', await issuer.sign({ roles: ['user'] }))).statusCode).toBe(403)
  })

  it('keeps Fastify’s own answer for an unknown route, after authentication', async () => {
    expect((await get('/nope')).statusCode).toBe(401)
    expect((await get('/nope', await issuer.sign())).statusCode).toBe(404)
  })

  it('answers 503 with Retry-After, not 401, when the issuer cannot be reached', async () => {
    const down = await createTestIssuer()
    await down.close()
    const outage = await createApp({ issuer: down.url, audience: down.audience })
    try {
      const res = await get('/me', await down.sign(), outage)
      expect(res.statusCode).toBe(503)
      expect(res.headers['retry-after']).toBeDefined()
      expect(res.json()).toMatchObject({ error: 'keys_unavailable' })
    } finally {
      await outage.close()
    }
  })

  it('refuses bad options when the app is created', async () => {
    await expect(
      createApp({ issuer: issuer.url, audience: issuer.audience, clockTolerance: -1 }),
    ).rejects.toThrow(TypeError)
  })
})
