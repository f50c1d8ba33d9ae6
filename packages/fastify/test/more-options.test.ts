import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import Fastify, { type FastifyInstance } from 'fastify'
import request from 'supertest'
import { claimPath, jwtAuth, requireClaimEquals, requireClaimIncludes } from '@tokenguard/fastify'
import { createTestIssuer, type TestIssuer } from '@tokenguard/testing'
import { addFormParser } from './support/app.js'

/** Claim guards and form-body tokens through Fastify (the shared conformance table covers the rest). */

let issuer: TestIssuer
beforeAll(async () => {
  issuer = await createTestIssuer()
})
afterAll(() => issuer.close())

describe('claim guards (Fastify)', () => {
  let app: FastifyInstance
  beforeAll(async () => {
    app = Fastify()
    await app.register(jwtAuth, { issuer: issuer.url, audience: issuer.audience, realm: 'api' })
    app.get('/tenant', { preHandler: requireClaimEquals('tenant', 'acme') }, async () => 'ok')
    app.get('/plan', { preHandler: requireClaimEquals(claimPath('org', 'plan'), 'pro') }, async () => 'ok')
    app.get('/mfa', { preHandler: requireClaimIncludes('amr', 'mfa') }, async () => 'ok')
    await app.ready()
  })
  afterAll(() => app.close())
  const send = async (path: string, claims: Record<string, unknown>) =>
    request(app.server)
      .get(path)
      .auth(await issuer.sign(claims), { type: 'bearer' })

  it('requireClaimEquals and requireClaimIncludes', async () => {
    expect((await send('/tenant', { tenant: 'acme' })).status).toBe(200)
    expect((await send('/tenant', { tenant: 1 })).status).toBe(403)
    expect((await send('/plan', { org: { plan: 'pro' } })).status).toBe(200)
    expect((await send('/mfa', { amr: ['mfa'] })).status).toBe(200)
    const denied = await send('/mfa', { amr: ['pwd'] })
    expect(denied.status).toBe(403)
    expect(denied.headers['www-authenticate']).toMatch(/^Bearer realm="api", error="insufficient_scope"/)
  })
})

describe('body (Fastify)', () => {
  let app: FastifyInstance
  const stages: string[] = []
  beforeAll(async () => {
    app = Fastify()
    addFormParser(app)
    await app.register(jwtAuth, { issuer: issuer.url, audience: issuer.audience, body: 'access_token' })
    app.addHook('onRequest', async (request) => void stages.push(`onRequest:${request.auth === null}`))
    app.post('/', async (request) => ({ sub: request.auth?.payload.sub ?? null }))
    app.post('/guarded', { config: { auth: { scopes: ['write'] } } }, async () => 'ok')
    await app.ready()
  })
  afterAll(() => app.close())

  it('authenticates in preValidation, once the body is parsed', async () => {
    stages.length = 0
    const res = await request(app.server)
      .post('/')
      .type('form')
      .send({ access_token: await issuer.sign() })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ sub: 'test-user' })
    // At onRequest the request was not authenticated yet.
    expect(stages).toEqual(['onRequest:true'])
  })

  it('runs route requirements after authentication from the body', async () => {
    const send = async (scope: string) =>
      request(app.server)
        .post('/guarded')
        .type('form')
        .send({ access_token: await issuer.sign({ scope }) })
    expect((await send('write')).status).toBe(200)
    expect((await send('read')).status).toBe(403)
  })

  it('still refuses a request without a token', async () => {
    expect((await request(app.server).post('/').send({ other: 1 })).status).toBe(401)
  })
})
