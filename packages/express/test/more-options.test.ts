import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import express, { type RequestHandler } from 'express'
import request from 'supertest'
import { claimPath, jwtAuth, requireClaimEquals, requireClaimIncludes } from '@tokenguard/express'
import { createTestIssuer, type TestIssuer } from '@tokenguard/testing'

/** Claim guards and form-body tokens through Express (the shared conformance table covers the rest). */

let issuer: TestIssuer
const ok: RequestHandler = (req, res) => void res.json({ sub: req.auth?.payload.sub ?? null })

beforeAll(async () => {
  issuer = await createTestIssuer()
})
afterAll(() => issuer.close())

describe('claim guards (Express)', () => {
  let app: express.Express
  beforeAll(() => {
    app = express()
    app.use(jwtAuth({ issuer: issuer.url, audience: issuer.audience, realm: 'api' }))
    app.get('/tenant', requireClaimEquals('tenant', 'acme'), ok)
    app.get('/plan', requireClaimEquals(claimPath('org', 'plan'), 'pro'), ok)
    app.get('/mfa', requireClaimIncludes('amr', 'mfa'), ok)
  })
  const status = async (path: string, claims: Record<string, unknown>) =>
    (
      await request(app)
        .get(path)
        .auth(await issuer.sign(claims), { type: 'bearer' })
    ).status

  it('requireClaimEquals compares with ===', async () => {
    expect(await status('/tenant', { tenant: 'acme' })).toBe(200)
    expect(await status('/tenant', { tenant: 'other' })).toBe(403)
    expect(await status('/plan', { org: { plan: 'pro' } })).toBe(200)
    expect(await status('/plan', { org: { plan: 'free' } })).toBe(403)
  })

  it('requireClaimIncludes needs an array holding the value, and answers insufficient_scope', async () => {
    expect(await status('/mfa', { amr: ['pwd', 'mfa'] })).toBe(200)
    const res = await request(app)
      .get('/mfa')
      .auth(await issuer.sign({ amr: 'pwd mfa' }), { type: 'bearer' })
    expect(res.status).toBe(403)
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="api", error="insufficient_scope"/)
  })

  it('answers 401 without jwtAuth before it', async () => {
    const bare = express().get('/', requireClaimEquals('tenant', 'acme'), ok)
    expect((await request(bare).get('/')).status).toBe(401)
  })
})

describe('body (Express)', () => {
  it('reads the token from req.body once express.urlencoded ran', async () => {
    const app = express()
    app.use(express.urlencoded({ extended: true, limit: '16kb' }))
    app.use(jwtAuth({ issuer: issuer.url, audience: issuer.audience, body: 'access_token' }))
    app.post('/', ok)
    const token = await issuer.sign()
    const res = await request(app).post('/').type('form').send({ access_token: token })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ sub: 'test-user' })
    // `extended: true` (qs) turns `access_token[a]=…` into an object: no token, a 400.
    const nested = await request(app).post('/').type('form').send(`access_token[a]=${token}`)
    expect(nested.status).toBe(400)
  })

  it('fails with a 500, not a misleading 401, when no body parser ran', async () => {
    const app = express()
    app.set('env', 'production')
    const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined)
    app.use(jwtAuth({ issuer: issuer.url, audience: issuer.audience, body: 'access_token' }))
    app.post('/', ok)
    const res = await request(app)
      .post('/')
      .type('form')
      .send({ access_token: await issuer.sign() })
    expect(res.status).toBe(500)
    // The operator learns why; the client gets a bare 500.
    expect(String(logged.mock.calls[0]?.[0])).toMatch(/^UnparsedBodyError: .*body parser/)
    expect(res.text).not.toMatch(/parser/)
    // A request without a form body needs no parser.
    expect((await request(app).post('/')).status).toBe(401)
    logged.mockRestore()
  })
})
