import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import * as expressAdapter from '@tokenguard/express'
import * as fastifyAdapter from '@tokenguard/fastify'
import * as koaAdapter from '@tokenguard/koa'
import type { ErrorRequestHandler } from 'express'
import request from 'supertest'
import { createTestIssuer, type TestIssuer } from '../../src/index.js'
import { expressVersions, listen as listenExpress } from '../../../express/test/support/app.js'
import { fastifyVersions, listen as listenFastify } from '../../../fastify/test/support/app.js'
import { koaVersions, listen as listenKoa } from '../../../koa/test/support/app.js'

/**
 * `AuthError.reason` is for the operator only: no adapter's response may carry it, with the framework's
 * default error handler (production and development) or with a handler that sends the error object whole.
 */

type Handling = 'default' | 'development' | 'sends the error object'
interface Running {
  url: string
  close(): Promise<void>
}
type AppFactory = (options: Record<string, unknown>, handling: Handling) => Promise<Running>

const expressApp =
  (express: (typeof expressVersions)['Express 5']): AppFactory =>
  async (options, handling) => {
    const app = express()
    app.set('env', handling === 'development' ? 'development' : 'production')
    app.use(expressAdapter.jwtAuth(options as unknown as expressAdapter.JwtAuthOptions))
    app.get('/scoped', expressAdapter.requireScopes('admin'), (_req, res) => void res.json({ ok: true }))
    app.get('/', (_req, res) => void res.json({ ok: true }))
    if (handling === 'sends the error object') {
      const sendWhole: ErrorRequestHandler = (err, _req, res, _next) =>
        void res.status(err.status ?? 500).json({ error: err, copy: { ...err } })
      app.use(sendWhole)
    }
    return listenExpress(app)
  }

const koaApp =
  (Koa: (typeof koaVersions)['Koa 3']): AppFactory =>
  async (options, handling) => {
    const app = new Koa({ env: handling === 'development' ? 'development' : 'production' })
    app.silent = true
    if (handling === 'sends the error object')
      app.use(async (ctx, next) => {
        try {
          await next()
        } catch (err) {
          ctx.status = (err as { status?: number }).status ?? 500
          ctx.body = { error: err, copy: { ...(err as object) } }
        }
      })
    app.use(koaAdapter.jwtAuth(options as unknown as koaAdapter.JwtAuthOptions))
    const scoped = koaAdapter.requireScopes('admin')
    app.use(async (ctx, next) => {
      if (ctx.path === '/scoped') return scoped(ctx as never, async () => void (ctx.body = { ok: true }))
      ctx.body = { ok: true }
      return next()
    })
    return listenKoa(app)
  }

const fastifyApp =
  (fastify: (typeof fastifyVersions)['Fastify 5']): AppFactory =>
  async (options, handling) => {
    const app = fastify()
    if (handling === 'sends the error object')
      app.setErrorHandler((err, _request, reply) =>
        reply
          .code((err as { statusCode?: number }).statusCode ?? 500)
          .send({ error: err, copy: { ...(err as object) } }),
      )
    await app.register(fastifyAdapter.jwtAuth, options as unknown as fastifyAdapter.JwtAuthOptions)
    app.get('/scoped', { preHandler: fastifyAdapter.requireScopes('admin') }, async () => ({ ok: true }))
    app.get('/', async () => ({ ok: true }))
    return listenFastify(app)
  }

const FRAMEWORKS: Record<string, AppFactory> = {
  'Express 5': expressApp(expressVersions['Express 5']),
  'Express 4': expressApp(expressVersions['Express 4']),
  'Koa 3': koaApp(koaVersions['Koa 3']),
  'Koa 2': koaApp(koaVersions['Koa 2']),
  'Fastify 5': fastifyApp(fastifyVersions['Fastify 5']),
  'Fastify 4': fastifyApp(fastifyVersions['Fastify 4']),
}
const HANDLINGS: Handling[] = ['default', 'development', 'sends the error object']

/** Words only a reason would put in a response. */
const REASON_TEXT =
  /reason|accepted audiences|trusted issuer|"check"|tokenId|keySource|fetchError|the token grants/

let issuer: TestIssuer
beforeAll(async () => {
  issuer = await createTestIssuer()
  jest.spyOn(console, 'error').mockImplementation(() => undefined)
})
afterAll(async () => {
  await issuer.close()
  jest.restoreAllMocks()
})

describe.each(Object.entries(FRAMEWORKS))('%s never sends reason', (_name, createApp) => {
  describe.each(HANDLINGS)('error handling: %s', (handling) => {
    let app: Running
    beforeAll(async () => {
      app = await createApp({ issuer: issuer.url, audience: issuer.audience }, handling)
    })
    afterAll(() => app.close())

    it.each([
      ['a token for another audience (401)', '/', () => issuer.sign({ aud: 'https://other.example' })],
      ['an expired token (401)', '/', () => issuer.sign({}, { expiresIn: -120 })],
      ['a token short of a scope (403)', '/scoped', () => issuer.sign({ scope: 'read' })],
    ])('%s', async (_case, path, token) => {
      const res = await request(app.url)
        .get(path)
        .set('Authorization', `Bearer ${await token()}`)
      expect([401, 403]).toContain(res.status)
      const everything = `${res.text} ${JSON.stringify(res.headers)}`
      expect(everything).not.toMatch(REASON_TEXT)
      expect(everything).not.toContain('other.example')
    })
  })
})
