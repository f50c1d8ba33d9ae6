import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import Koa from 'koa'
import request from 'supertest'
import { createVerifier, isAuthError, jwtAuth } from '@tokenguard/koa'
import { createTestIssuer, type TestIssuer } from '@tokenguard/testing'

let issuer: TestIssuer
beforeAll(async () => {
  issuer = await createTestIssuer()
})
afterAll(() => issuer.close())

const options = () => ({ issuer: issuer.url, audience: issuer.audience })

describe('jwtAuth (Koa)', () => {
  it('finds a query token after an earlier middleware rewrote the path (as koa-mount does)', async () => {
    const app = new Koa()
    app.use((ctx, next) => {
      ctx.path = ctx.path.replace(/^\/api/, '') || '/'
      return next()
    })
    app.use(jwtAuth({ ...options(), query: 'access_token' }))
    app.use((ctx) => {
      ctx.body = { sub: ctx.state.auth?.payload.sub, path: ctx.path }
    })
    const token = await issuer.sign({ sub: 'mounted' })
    const res = await request(app.callback()).get(`/api/me?access_token=${token}`).expect(200)
    expect(res.body).toEqual({ sub: 'mounted', path: '/me' })
  })

  it('sets ctx.state.auth to the payload, header and token', async () => {
    const app = new Koa()
    app.use(jwtAuth(options()))
    app.use((ctx) => {
      ctx.body = ctx.state.auth
    })
    const token = await issuer.sign({ scope: 'a b' })
    const res = await request(app.callback()).get('/').auth(token, { type: 'bearer' }).expect(200)
    expect(res.body).toMatchObject({
      token,
      header: { alg: 'RS256', kid: issuer.kid },
      payload: { scope: 'a b' },
    })
  })

  it('throws an AuthError that an upstream middleware may format', async () => {
    const app = new Koa({ env: 'production' })
    app.use(async (ctx, next) => {
      try {
        await next()
      } catch (error) {
        if (!isAuthError(error)) throw error
        ctx.status = error.status
        ctx.set(error.headers)
        ctx.body = { error: error.code }
      }
    })
    app.use(jwtAuth(options()))
    app.use((ctx) => {
      ctx.body = 'unreachable'
    })
    const res = await request(app.callback())
      .get('/')
      .auth(await issuer.sign({}, { expiresIn: -60 }), { type: 'bearer' })
    expect(res.status).toBe(401)
    expect(res.body).toEqual({ error: 'token_expired' })
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"')
  })

  it('throws at start-up on a bad option, naming it', () => {
    expect(() => jwtAuth({ ...options(), clockTolerance: -1 })).toThrow('"clockTolerance"')
    expect(() => jwtAuth({ ...options(), getToken: 'x' as never })).toThrow('"getToken"')
    expect(() => jwtAuth({ issuer: 'x' } as never)).toThrow('"audience"')
  })

  it('shares one verifier between middlewares, and reads the token with getToken(ctx)', async () => {
    const verifier = createVerifier(options())
    const header = new Koa()
    header.use(jwtAuth({ verifier }))
    header.use((ctx) => {
      ctx.body = ctx.state.auth?.payload.sub
    })
    const custom = new Koa()
    custom.use(jwtAuth({ verifier, getToken: (ctx) => ctx.get('x-token') }))
    custom.use((ctx) => {
      ctx.body = ctx.state.auth?.payload.sub
    })
    const token = await issuer.sign()
    await request(header.callback()).get('/').auth(token, { type: 'bearer' }).expect(200, 'test-user')
    await request(custom.callback()).get('/').set('x-token', token).expect(200, 'test-user')
    await request(custom.callback()).get('/').auth(token, { type: 'bearer' }).expect(401)
    expect(verifier.cacheStats()).toMatchObject({ hits: 1, misses: 1 })
  })
})
