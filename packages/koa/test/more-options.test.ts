import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import Router from '@koa/router'
import Koa from 'koa'
import request from 'supertest'
import { claimPath, jwtAuth, requireClaimEquals, requireClaimIncludes } from '@tokenguard/koa'
import { createTestIssuer, type TestIssuer } from '@tokenguard/testing'
import { formBody } from './support/form-body.js'

/** Claim guards and form-body tokens through Koa (the shared conformance table covers the rest). */

let issuer: TestIssuer
beforeAll(async () => {
  issuer = await createTestIssuer()
})
afterAll(() => issuer.close())

describe('claim guards (Koa)', () => {
  let server: ReturnType<Koa['callback']>
  beforeAll(() => {
    const app = new Koa()
    const router = new Router()
    const ok = (ctx: Koa.Context) => void (ctx.body = 'ok')
    router.get('/tenant', requireClaimEquals('tenant', 'acme'), ok)
    router.get('/plan', requireClaimEquals(claimPath('org', 'plan'), 'pro'), ok)
    router.get('/mfa', requireClaimIncludes('amr', 'mfa'), ok)
    app.use(jwtAuth({ issuer: issuer.url, audience: issuer.audience, realm: 'api' }))
    app.use(router.routes())
    server = app.callback()
  })
  const send = async (path: string, claims: Record<string, unknown>) =>
    request(server)
      .get(path)
      .auth(await issuer.sign(claims), { type: 'bearer' })

  it('requireClaimEquals and requireClaimIncludes', async () => {
    expect((await send('/tenant', { tenant: 'acme' })).status).toBe(200)
    expect((await send('/tenant', { tenant: 'ACME' })).status).toBe(403)
    expect((await send('/plan', { org: { plan: 'pro' } })).status).toBe(200)
    expect((await send('/mfa', { amr: ['mfa'] })).status).toBe(200)
    const denied = await send('/mfa', { amr: 'mfa' })
    expect(denied.status).toBe(403)
    expect(denied.headers['www-authenticate']).toMatch(/^Bearer realm="api", error="insufficient_scope"/)
  })
})

describe('body (Koa)', () => {
  const app = (parse: boolean) => {
    const koa = new Koa()
    koa.silent = true
    if (parse) koa.use(formBody())
    koa.use(jwtAuth({ issuer: issuer.url, audience: issuer.audience, body: 'access_token' }))
    koa.use((ctx) => void (ctx.body = { sub: ctx.state.auth?.payload.sub ?? null }))
    return koa.callback()
  }

  it('reads the token from ctx.request.body', async () => {
    const res = await request(app(true))
      .post('/')
      .type('form')
      .send({ access_token: await issuer.sign() })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ sub: 'test-user' })
  })

  it('fails with a 500, not a misleading 401, when no body parser ran', async () => {
    const koa = app(false)
    const res = await request(koa)
      .post('/')
      .type('form')
      .send({ access_token: await issuer.sign() })
    expect(res.status).toBe(500)
    expect((await request(koa).put('/')).status).toBe(401)
  })
})
