import { parse } from 'node:querystring'
import Fastify5, { type FastifyInstance } from 'fastify'
import Fastify4 from 'fastify4'
import { jwtAuth, requireScopes, type JwtAuthOptions } from '@tokenguard/fastify'
import type { ConformanceServer } from '../../../testing/test/conformance/app-contract.js'

// Fastify 4 ships its own (older) types; at run time both take the same plugin, which is what is tested.
export const fastifyVersions = {
  'Fastify 5': Fastify5,
  'Fastify 4': Fastify4 as unknown as typeof Fastify5,
} as const

export type FastifyFactory = typeof Fastify5

/** Starts `app` on 127.0.0.1 (port 0). */
export async function listen(app: FastifyInstance): Promise<ConformanceServer> {
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  return { url, close: () => app.close() }
}

/** Stands in for `@fastify/formbody`: urlencoded bodies parsed into fields (repeated ones as arrays). */
export function addFormParser(app: FastifyInstance): void {
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => done(null, { ...parse(body as string) }),
  )
}

/** The conformance app of app-contract.ts, with Fastify's default error handler. */
export async function conformanceApp(
  fastify: FastifyFactory,
  options: Record<string, unknown>,
): Promise<FastifyInstance> {
  const app = fastify()
  addFormParser(app)
  await app.register(jwtAuth, options as unknown as JwtAuthOptions)
  app.options('/protected', async (_request, reply) => reply.code(204).send())
  app.get('/protected', async (request) => ({ auth: request.auth?.payload ?? null }))
  app.post('/protected', async (request) => ({ auth: request.auth?.payload ?? null }))
  app.get('/scoped', { preHandler: requireScopes('read:items') }, async () => ({ ok: true }))
  return app
}
