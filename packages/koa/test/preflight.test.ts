import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import Router from '@koa/router'
import type { Context, Middleware } from 'koa'
import request from 'supertest'
import { jwtAuth, type JwtAuthOptions } from '@tokenguard/koa'
import { createTestIssuer, type TestIssuer } from '@tokenguard/testing'
import { describePreflightBypass } from '../../testing/test/security-http/preflight-bypass.js'
import { koaVersions, listen } from './support/app.js'

// Handlers that answer every method, written each way Koa and @koa/router allow.
const PATHS = ['/plain', '/router/all', '/nested/inner/all', '/guarded/all'] as const

for (const [name, Koa] of Object.entries(koaVersions)) {
  describePreflightBypass(name, PATHS, async (options, reached) => {
    const auth = () => jwtAuth(options as unknown as JwtAuthOptions)
    const handler = (ctx: Context) => {
      reached(ctx.get('x-test-id') || undefined)
      ctx.body = { auth: ctx.state.auth?.payload ?? null }
    }
    const app = new Koa({ env: 'production' })
    // A router that applies jwtAuth itself (`router.use`), mounted before the app-wide jwtAuth.
    const guarded = new Router({ prefix: '/guarded' })
    guarded.use(auth())
    guarded.all('/all', handler)
    app.use(guarded.routes())
    app.use(auth())
    const router = new Router({ prefix: '/router' })
    router.all('/all', handler)
    const inner = new Router()
    inner.all('/all', handler)
    const nested = new Router({ prefix: '/nested' })
    nested.use('/inner', inner.routes())
    app.use(router.routes())
    app.use(nested.routes())
    // Plain middleware after jwtAuth answers every method and path it is given.
    app.use((ctx, next) => (ctx.path === '/plain' ? handler(ctx) : next()))
    return listen(app)
  })
}

describe('CORS middleware before jwtAuth (Koa)', () => {
  let issuer: TestIssuer
  beforeAll(async () => {
    issuer = await createTestIssuer()
  })
  afterAll(() => issuer.close())

  // What `@koa/cors` does with a preflight: answers 204 without calling next, so jwtAuth never sees it.
  const corsLike: Middleware = async (ctx, next) => {
    if (!ctx.get('Origin')) return next()
    ctx.set('Access-Control-Allow-Origin', 'https://app.example')
    if (ctx.method !== 'OPTIONS' || !ctx.get('Access-Control-Request-Method')) return next()
    ctx.set('Access-Control-Allow-Headers', 'Authorization')
    ctx.status = 204
  }

  it.each(Object.entries(koaVersions))(
    '%s: preflights get their CORS answer, every other request still needs a token',
    async (_name, Koa) => {
      const ran: string[] = []
      const app = new Koa({ env: 'production' })
      app.use(corsLike)
      app.use(jwtAuth({ issuer: issuer.url, audience: issuer.audience }))
      app.use((ctx) => {
        ran.push(ctx.method)
        ctx.body = { sub: ctx.state.auth?.payload.sub }
      })
      const server = app.callback()
      const preflight = await request(server)
        .options('/items')
        .set('Origin', 'https://app.example')
        .set('Access-Control-Request-Method', 'GET')
      expect(preflight.status).toBe(204)
      expect(preflight.headers['access-control-allow-headers']).toBe('Authorization')
      const anonymous = await request(server).get('/items').set('Origin', 'https://app.example')
      expect(anonymous.status).toBe(401)
      const signed = await request(server)
        .get('/items')
        .auth(await issuer.sign(), { type: 'bearer' })
      expect(signed.body).toEqual({ sub: 'test-user' })
      expect(ran).toEqual(['GET'])
    },
  )
})
