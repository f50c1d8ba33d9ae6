import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import request from 'supertest'
import { jwtAuth, type JwtAuthOptions } from '@tokenguard/fastify'
import { createTestIssuer, type TestIssuer } from '@tokenguard/testing'
import { describePreflightBypass } from '../../testing/test/security-http/preflight-bypass.js'
import { fastifyVersions, listen } from './support/app.js'

// Handlers that answer every method (`all`, a method list with OPTIONS), in an encapsulated scope that
// registers jwtAuth, in its child scope, and in a scope whose route was declared before jwtAuth.
const PATHS = ['/api/all', '/api/list', '/api/deep/all', '/early/all'] as const

for (const [name, fastify] of Object.entries(fastifyVersions)) {
  describePreflightBypass(name, PATHS, async (options, reached) => {
    const jwtOptions = options as unknown as JwtAuthOptions
    const handler = async (request: FastifyRequest) => {
      const id = request.headers['x-test-id']
      reached(typeof id === 'string' ? id : undefined)
      return { auth: request.auth?.payload ?? null }
    }
    const app = fastify()
    app.get('/public', async () => 'public')
    await app.register(
      async (api) => {
        await api.register(jwtAuth, jwtOptions)
        api.all('/all', handler)
        api.route({ method: ['GET', 'OPTIONS'], url: '/list', handler })
        await api.register(async (deep) => void deep.all('/all', handler), { prefix: '/deep' })
      },
      { prefix: '/api' },
    )
    await app.register(
      async (early) => {
        early.all('/all', handler)
        // Not awaited: the route above is declared before the plugin loads; it is protected all the same.
        void early.register(jwtAuth, jwtOptions)
      },
      { prefix: '/early' },
    )
    return listen(app)
  })
}

describe('CORS plugin before jwtAuth (Fastify)', () => {
  let issuer: TestIssuer
  beforeAll(async () => {
    issuer = await createTestIssuer()
  })
  afterAll(() => issuer.close())

  // What `@fastify/cors` does with a preflight: its `onRequest` hook answers 204 and stops the chain, so
  // jwtAuth's hook, registered later, never sees it.
  const corsLike = fp(async (app) => {
    app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      void reply.header('access-control-allow-origin', 'https://app.example')
      if (request.method === 'OPTIONS' && request.headers['access-control-request-method'])
        return reply.header('access-control-allow-headers', 'Authorization').code(204).send()
    })
  })

  it.each(Object.entries(fastifyVersions))(
    '%s: preflights get their CORS answer, every other request still needs a token',
    async (_name, fastify) => {
      const ran: string[] = []
      const app = fastify()
      await app.register(corsLike)
      await app.register(jwtAuth, { issuer: issuer.url, audience: issuer.audience })
      app.all('/items', async (request) => {
        ran.push(request.method)
        return { sub: request.auth?.payload.sub }
      })
      await app.ready()
      const preflight = await request(app.server)
        .options('/items')
        .set('Origin', 'https://app.example')
        .set('Access-Control-Request-Method', 'GET')
      expect(preflight.status).toBe(204)
      expect(preflight.headers['access-control-allow-headers']).toBe('Authorization')
      const anonymous = await request(app.server).get('/items').set('Origin', 'https://app.example')
      expect(anonymous.status).toBe(401)
      expect(anonymous.headers['access-control-allow-origin']).toBe('https://app.example')
      const signed = await request(app.server)
        .get('/items')
        .auth(await issuer.sign(), { type: 'bearer' })
      expect(JSON.parse(signed.text)).toEqual({ sub: 'test-user' })
      expect(ran).toEqual(['GET'])
      await app.close()
    },
  )
})
