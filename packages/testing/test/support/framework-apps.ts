import * as expressAdapter from '@tokenguard/express'
import * as fastifyAdapter from '@tokenguard/fastify'
import * as koaAdapter from '@tokenguard/koa'
import Router from '@koa/router'
import { expressVersions, listen as listenExpress } from '../../../express/test/support/app.js'
import { fastifyVersions, listen as listenFastify } from '../../../fastify/test/support/app.js'
import { koaVersions, listen as listenKoa } from '../../../koa/test/support/app.js'

/**
 * One small app per framework version, all with the same routes, for the HTTP-level security, interop
 * and soak tests:
 *
 * - `jwtAuth(options)` on every route (Express/Koa `app.use`, Fastify registered at the root);
 * - `GET` and `POST /protected` answer 200 `{ "auth": <payload or null> }`;
 * - `OPTIONS /protected` answers 204 (what a CORS preflight handler would do);
 * - `GET /scoped` is guarded by `requireScopes(scope)` and answers 200 `{ "ok": true }`;
 * - production mode where the framework has one, and the framework's default error handler.
 *
 * When `observe` is given, the app reports, once the response is finished, the `x-test-id` request header
 * and whatever auth the framework's request object holds at that point (`req.auth`, `ctx.state.auth`,
 * `request.auth`): proof that claims are attached only after full success (catalog item 66).
 */
export interface AppSettings {
  /** Scope required by `GET /scoped`. Default: `'read:items'`. */
  scope?: string
  observe?: (id: string, auth: unknown) => void
}

export interface RunningApp {
  url: string
  close(): Promise<void>
}

export type FrameworkApp = (options: Record<string, unknown>, settings?: AppSettings) => Promise<RunningApp>

const DEFAULT_SCOPE = 'read:items'

function testId(headers: Record<string, string | string[] | undefined>): string | undefined {
  const id = headers['x-test-id']
  return typeof id === 'string' ? id : undefined
}

function expressApp(express: (typeof expressVersions)['Express 5']): FrameworkApp {
  return async (options, settings = {}) => {
    const app = express()
    app.set('env', 'production')
    const { observe } = settings
    if (observe)
      app.use((req, res, next) => {
        const id = testId(req.headers)
        if (id) res.on('finish', () => observe(id, req.auth))
        next()
      })
    app.use(expressAdapter.jwtAuth(options as unknown as expressAdapter.JwtAuthOptions))
    app.options('/protected', (_req, res) => void res.sendStatus(204))
    app.get('/protected', (req, res) => void res.json({ auth: req.auth?.payload ?? null }))
    app.post('/protected', (req, res) => void res.json({ auth: req.auth?.payload ?? null }))
    app.get('/scoped', expressAdapter.requireScopes(settings.scope ?? DEFAULT_SCOPE), (_req, res) => {
      res.json({ ok: true })
    })
    return listenExpress(app)
  }
}

function koaApp(Koa: (typeof koaVersions)['Koa 3']): FrameworkApp {
  return async (options, settings = {}) => {
    const app = new Koa({ env: 'production' })
    const { observe } = settings
    if (observe)
      app.use(async (ctx, next) => {
        const id = testId(ctx.headers)
        try {
          await next()
        } finally {
          // Koa renders a thrown error after this returns; by then the state is final.
          if (id) observe(id, ctx.state.auth)
        }
      })
    const router = new Router()
    router.options('/protected', (ctx) => {
      ctx.status = 204
    })
    router.get('/protected', (ctx) => {
      ctx.body = { auth: ctx.state.auth?.payload ?? null }
    })
    router.post('/protected', (ctx) => {
      ctx.body = { auth: ctx.state.auth?.payload ?? null }
    })
    router.get('/scoped', koaAdapter.requireScopes(settings.scope ?? DEFAULT_SCOPE), (ctx) => {
      ctx.body = { ok: true }
    })
    app.use(koaAdapter.jwtAuth(options as unknown as koaAdapter.JwtAuthOptions))
    app.use(router.routes())
    return listenKoa(app)
  }
}

function fastifyApp(fastify: (typeof fastifyVersions)['Fastify 5']): FrameworkApp {
  return async (options, settings = {}) => {
    const app = fastify()
    const { observe } = settings
    if (observe)
      app.addHook('onResponse', async (request) => {
        const id = testId(request.headers)
        if (id) observe(id, request.auth)
      })
    await app.register(fastifyAdapter.jwtAuth, options as unknown as fastifyAdapter.JwtAuthOptions)
    app.options('/protected', async (_request, reply) => reply.code(204).send())
    app.get('/protected', async (request) => ({ auth: request.auth?.payload ?? null }))
    app.post('/protected', async (request) => ({ auth: request.auth?.payload ?? null }))
    app.get(
      '/scoped',
      { preHandler: fastifyAdapter.requireScopes(settings.scope ?? DEFAULT_SCOPE) },
      async () => ({ ok: true }),
    )
    return listenFastify(app)
  }
}

/** Every supported framework major, by display name. */
export const FRAMEWORK_APPS: Record<string, FrameworkApp> = {
  'Express 5': expressApp(expressVersions['Express 5']),
  'Express 4': expressApp(expressVersions['Express 4']),
  'Koa 3': koaApp(koaVersions['Koa 3']),
  'Koa 2': koaApp(koaVersions['Koa 2']),
  'Fastify 5': fastifyApp(fastifyVersions['Fastify 5']),
  'Fastify 4': fastifyApp(fastifyVersions['Fastify 4']),
}
