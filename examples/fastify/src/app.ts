import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { isAuthError, jwtAuth, requireScopes, type JwtAuthOptions } from '@tokenguard/fastify'

/** Options of {@link createApp}: how tokens are verified (at least `issuer` and `audience`). */
export type AppOptions = JwtAuthOptions

/** The example's data: what `read:items` grants. */
export const ITEMS = [
  { id: 1, name: 'keyboard' },
  { id: 2, name: 'mouse' },
] as const

/**
 * The example API. Library code reads no environment: the caller passes the verifier options (and,
 * optionally, Fastify's own, e.g. `{ logger: true }`).
 *
 * - `GET /health` — public (`config: { auth: false }`).
 * - `GET /me` — any valid token; returns its claims.
 * - `GET /items` — needs the `read:items` scope (a `preHandler` guard).
 * - `GET /admin` — needs the `admin` role (stated in `config.auth`).
 *
 * @example
 * ```ts
 * const app = await createApp({ issuer: 'https://idp.example.com/', audience: 'https://api.example.com' })
 * await app.listen({ port: 3000 })
 * ```
 */
export async function createApp(
  options: AppOptions,
  fastifyOptions: FastifyServerOptions = {},
): Promise<FastifyInstance> {
  const app = Fastify(fastifyOptions)

  // One JSON shape for auth errors, keeping their status and headers (`WWW-Authenticate`, `Retry-After`)
  // and generic message; other client errors keep Fastify's default; anything else is a bare 500.
  app.setErrorHandler(async (error, request, reply) => {
    if (isAuthError(error)) {
      // A 503 means the identity provider's keys are unreachable: log the cause, never the token.
      if (error.status >= 500) request.log.error({ err: error.cause }, 'token keys unavailable')
      return reply
        .code(error.status)
        .headers(error.headers)
        .send({ error: error.code, message: error.message })
    }
    const { statusCode } = error as { statusCode?: unknown }
    if (typeof statusCode === 'number' && statusCode < 500) throw error
    request.log.error({ err: error }, 'unexpected error')
    return reply.code(500).send({ error: 'internal_error' })
  })

  // Protects every route of this scope; options are checked here, so a bad one fails at start-up.
  await app.register(jwtAuth, options)

  app.get('/health', { config: { auth: false } }, async () => ({ status: 'ok' }))
  app.get('/me', async (request) => request.auth!.payload)
  app.get('/items', { preHandler: requireScopes('read:items') }, async () => ITEMS)
  app.get('/admin', { config: { auth: { roles: ['admin'] } } }, async (request) => ({
    message: `hello, admin ${request.auth!.payload.sub ?? ''}`.trim(),
  }))

  return app
}
