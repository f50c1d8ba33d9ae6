import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import { inspect } from 'node:util'
import request from 'supertest'
import { createTestIssuer, type TestIssuer } from '@tokenguard/testing'
import { createApp, ITEMS } from '../src/app.js'

/** No token: a bare Bearer challenge, then the DPoP one (DPoP is allowed by default) with its algorithms. */
const BARE_CHALLENGES =
  'Bearer, DPoP algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519"'

let issuer: TestIssuer
let app: ReturnType<typeof createApp>

beforeAll(async () => {
  issuer = await createTestIssuer()
  app = createApp({ issuer: issuer.url, audience: issuer.audience })
})
afterAll(() => issuer.close())

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` })

describe('Koa example', () => {
  it('serves /health without a token', async () => {
    await request(app.callback()).get('/health').expect(200, { status: 'ok' })
  })

  it('answers /me with the claims of a valid token', async () => {
    const token = await issuer.sign({ sub: 'alice', scope: 'profile' })
    const res = await request(app.callback()).get('/me').set(bearer(token)).expect(200)
    expect(res.body).toMatchObject({ sub: 'alice', iss: issuer.url, aud: issuer.audience, scope: 'profile' })
  })

  it('challenges a request without a token with bare Bearer and DPoP challenges', async () => {
    const res = await request(app.callback()).get('/me').expect(401)
    expect(res.headers['www-authenticate']).toBe(BARE_CHALLENGES)
    expect(res.body).toMatchObject({ error: 'credentials_required' })
  })

  it('challenges a CORS preflight without a token (no CORS middleware here; allowPreflight is off)', async () => {
    const res = await request(app.callback())
      .options('/me')
      .set('Origin', 'https://app.example')
      .set('Access-Control-Request-Method', 'GET')
      .expect(401)
    expect(res.headers['www-authenticate']).toBe(BARE_CHALLENGES)
  })

  it('rejects an expired token as invalid_token, without echoing it', async () => {
    const token = await issuer.sign({}, { expiresIn: -3600 })
    const res = await request(app.callback()).get('/me').set(bearer(token)).expect(401)
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"')
    expect(res.body).toMatchObject({ error: 'token_expired' })
    expect(res.text).not.toContain(token.split('.')[1])
  })

  it('rejects a token for another audience', async () => {
    const token = await issuer.sign({ scope: 'read:items' }, { audience: 'https://other.api' })
    const res = await request(app.callback()).get('/items').set(bearer(token)).expect(401)
    expect(res.body).toMatchObject({ error: 'claim_invalid' })
  })

  it('serves /items to a token with read:items', async () => {
    const token = await issuer.sign({ scope: 'profile read:items' })
    await request(app.callback())
      .get('/items')
      .set(bearer(token))
      .expect(200, ITEMS as unknown as object)
  })

  it('answers 403 insufficient_scope on /items without read:items', async () => {
    const token = await issuer.sign({ scope: 'profile read:itemsx' })
    const res = await request(app.callback()).get('/items').set(bearer(token)).expect(403)
    expect(res.headers['www-authenticate']).toContain('error="insufficient_scope"')
    expect(res.headers['www-authenticate']).toContain('scope="read:items"')
    expect(res.body).toMatchObject({ error: 'insufficient_scope' })
  })

  it('guards /admin by role', async () => {
    const admin = await issuer.sign({ sub: 'root', roles: ['admin'] })
    const user = await issuer.sign({ roles: ['user'] })
    await request(app.callback())
      .get('/admin')
      .set(bearer(admin))
      .expect(200, { message: 'hello, admin root' })
    await request(app.callback()).get('/admin').set(bearer(user)).expect(403)
  })

  it('answers 503 with Retry-After, not 401, when the issuer cannot be reached', async () => {
    const down = await createTestIssuer()
    await down.close()
    const outage = createApp({ issuer: down.url, audience: down.audience })
    const token = await down.sign()
    const log = jest.spyOn(console, 'error').mockImplementation(() => {})
    try {
      const res = await request(outage.callback()).get('/me').set(bearer(token)).expect(503)
      expect(res.headers['retry-after']).toBeDefined()
      expect(res.body).toMatchObject({ error: 'keys_unavailable' })
      // The operator hears about the outage; the log line never holds the token.
      expect(log).toHaveBeenCalledTimes(1)
      expect(inspect(log.mock.calls, { depth: 8 })).not.toContain(token)
    } finally {
      log.mockRestore()
    }
  })

  it('refuses bad options when the app is created', () => {
    expect(() => createApp({ issuer: issuer.url, audience: issuer.audience, clockTolerance: -1 })).toThrow(
      TypeError,
    )
  })
})
