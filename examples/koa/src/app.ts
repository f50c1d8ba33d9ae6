import Router from '@koa/router'
import Koa, { type Middleware } from 'koa'
import { isAuthError, jwtAuth, requireRoles, requireScopes, type JwtAuthOptions } from '@tokenguard/koa'

/** Options of {@link createApp}: how tokens are verified (at least `issuer` and `audience`). */
export type AppOptions = JwtAuthOptions

/** The example's data: what `read:items` grants. */
export const ITEMS = [
  { id: 1, name: 'keyboard' },
  { id: 2, name: 'mouse' },
] as const

// One JSON shape for every error. Auth errors keep their status and headers (`WWW-Authenticate`,
// `Retry-After`) and their generic message; anything else is a bare 500, so no stack trace ever leaves.
const errors: Middleware = async (ctx, next) => {
  try {
    await next()
  } catch (err) {
    if (isAuthError(err)) {
      // A 503 means the identity provider's keys are unreachable: worth a log line (the cause, never the token).
      if (err.status >= 500) console.error('token keys unavailable:', err.cause)
      ctx.status = err.status
      ctx.set(err.headers)
      ctx.body = { error: err.code, message: err.message }
      return
    }
    ctx.app.emit('error', err, ctx)
    ctx.status = 500
    ctx.body = { error: 'internal_error' }
  }
}

/**
 * The example API. Library code reads no environment: the caller passes the verifier options.
 *
 * - `GET /health` — public.
 * - `GET /me` — any valid token; returns its claims.
 * - `GET /items` — needs the `read:items` scope.
 * - `GET /admin` — needs the `admin` role (`roles`, `groups`, `cognito:groups` or Keycloak realm roles).
 *
 * @example
 * ```ts
 * createApp({ issuer: 'https://idp.example.com/', audience: 'https://api.example.com' }).listen(3000)
 * ```
 */
export function createApp(options: AppOptions): Koa {
  const app = new Koa()

  // Mounted before jwtAuth, so its routes need no token; anything else falls through to jwtAuth.
  const publicRoutes = new Router()
  publicRoutes.get('/health', (ctx) => {
    ctx.body = { status: 'ok' }
  })

  const routes = new Router()
  routes.get('/me', (ctx) => {
    ctx.body = ctx.state.auth!.payload
  })
  routes.get('/items', requireScopes('read:items'), (ctx) => {
    ctx.body = ITEMS
  })
  routes.get('/admin', requireRoles('admin'), (ctx) => {
    ctx.body = { message: `hello, admin ${ctx.state.auth!.payload.sub ?? ''}`.trim() }
  })

  app.use(errors)
  app.use(publicRoutes.routes())
  app.use(jwtAuth(options))
  app.use(routes.routes())
  app.use(routes.allowedMethods())
  return app
}
