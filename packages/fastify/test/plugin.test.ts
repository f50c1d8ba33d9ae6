import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import Fastify, { type FastifyInstance } from 'fastify'
import { createVerifier, isAuthError, jwtAuth } from '@tokenguard/fastify'
import { createTestIssuer, type TestIssuer } from '@tokenguard/testing'
import { inject } from './support/inject.js'

let issuer: TestIssuer
beforeAll(async () => {
  issuer = await createTestIssuer()
})
afterAll(() => issuer.close())

const options = () => ({ issuer: issuer.url, audience: issuer.audience })
const bearer = async (claims: Record<string, unknown> = {}) => ({
  authorization: `Bearer ${await issuer.sign(claims)}`,
})

async function appWith(setup: (app: FastifyInstance) => Promise<void> | void): Promise<FastifyInstance> {
  const app = Fastify()
  await setup(app)
  await app.ready()
  return app
}

describe('jwtAuth (Fastify)', () => {
  it('sets request.auth on protected routes and null on public ones', async () => {
    const app = await appWith(async (app) => {
      await app.register(jwtAuth, options())
      app.get('/me', async (request) => request.auth)
      app.get('/health', { config: { auth: false } }, async (request) => ({ auth: request.auth }))
    })
    const headers = await bearer({ scope: 'a' })
    const me = await inject(app, { url: '/me', headers })
    expect(me.statusCode).toBe(200)
    expect(me.json()).toMatchObject({ payload: { scope: 'a' }, header: { kid: issuer.kid } })
    // The decorator's initial value must not leak the previous request's token.
    const health = await inject(app, { url: '/health' })
    expect(health.json()).toEqual({ auth: null })
    expect((await inject(app, { url: '/me' })).statusCode).toBe(401)
    await app.close()
  })

  it('enforces config.auth requirements on a route', async () => {
    const app = await appWith(async (app) => {
      await app.register(jwtAuth, options())
      app.get('/items', { config: { auth: { scopes: ['read', 'list'] } } }, async () => 'ok')
      app.get('/any', { config: { auth: { anyScope: ['read', 'write'] } } }, async () => 'ok')
      app.get('/admin', { config: { auth: { roles: ['admin'], scopes: ['read'] } } }, async () => 'ok')
    })
    const status = async (url: string, claims: Record<string, unknown>) =>
      (await inject(app, { url, headers: await bearer(claims) })).statusCode
    expect(await status('/items', { scope: 'list read' })).toBe(200)
    const denied = await inject(app, { url: '/items', headers: await bearer({ scope: 'read' }) })
    expect(denied.statusCode).toBe(403)
    expect(denied.headers['www-authenticate']).toMatch(/error="insufficient_scope".*scope="read list"/)
    expect(await status('/any', { scope: 'write' })).toBe(200)
    expect(await status('/any', { scope: 'delete' })).toBe(403)
    expect(await status('/admin', { roles: ['admin'], scope: 'read' })).toBe(200)
    expect(await status('/admin', { roles: ['admin'] })).toBe(403)
    expect(await status('/admin', { scope: 'read' })).toBe(403)
    expect((await inject(app, { url: '/admin' })).statusCode).toBe(401)
    await app.close()
  })

  it.each([
    [{ scope: ['read'] }, 'config.auth.scope'],
    [{ scopes: [] }, 'requireScopes'],
    [{ roles: 'admin' }, 'config.auth.roles'],
    ['yes', 'config.auth'],
  ])('refuses config.auth %p at start-up', async (auth, name) => {
    const app = Fastify()
    await app.register(jwtAuth, options())
    expect(() => app.get('/x', { config: { auth: auth as never } }, async () => 'ok')).toThrow(name)
    await app.close()
  })

  it('protects only the scope where it is registered', async () => {
    const app = await appWith(async (app) => {
      app.get('/public', async () => 'public')
      await app.register(
        async (api) => {
          await api.register(jwtAuth, options())
          api.get('/items', async (request) => request.auth?.payload.sub)
        },
        { prefix: '/api' },
      )
    })
    expect((await inject(app, { url: '/public' })).statusCode).toBe(200)
    expect((await inject(app, { url: '/api/items' })).statusCode).toBe(401)
    expect((await inject(app, { url: '/api/items', headers: await bearer() })).body).toBe('test-user')
    await app.close()
  })

  it('decorates app.authenticate for manual use', async () => {
    const app = await appWith(async (app) => {
      await app.register(jwtAuth, { ...options(), credentialsRequired: false })
      app.get(
        '/strict',
        {
          config: { auth: false },
          onRequest: async (request, reply) => {
            await app.authenticate(request, reply)
            if (!request.auth) throw Object.assign(new Error('sign in'), { statusCode: 401 })
          },
        },
        async (request) => request.auth?.payload.sub,
      )
    })
    expect((await inject(app, { url: '/strict', headers: await bearer() })).body).toBe('test-user')
    expect((await inject(app, { url: '/strict' })).statusCode).toBe(401)
    await app.close()
  })

  it('lets the app format AuthErrors in its own error handler', async () => {
    const app = await appWith(async (app) => {
      app.setErrorHandler(async (error, _request, reply) => {
        if (!isAuthError(error)) throw error
        return reply.code(error.status).headers(error.headers).send({ error: error.code })
      })
      await app.register(jwtAuth, options())
      app.get('/', async () => 'unreachable')
    })
    const res = await inject(app, {
      url: '/',
      headers: { authorization: `Bearer ${await issuer.sign({}, { expiresIn: -60 })}` },
    })
    expect(res.statusCode).toBe(401)
    expect(res.json()).toEqual({ error: 'token_expired' })
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"')
    await app.close()
  })

  it('shares a verifier, reads the token with getToken(request), and fails registration on a bad option', async () => {
    const verifier = createVerifier(options())
    const app = await appWith(async (app) => {
      await app.register(jwtAuth, {
        verifier,
        getToken: (request) => request.headers['x-token'] as string | undefined,
      })
      app.get('/', async (request) => request.auth?.payload.sub)
    })
    const token = await issuer.sign()
    expect((await inject(app, { url: '/', headers: { 'x-token': token } })).body).toBe('test-user')
    expect((await inject(app, { url: '/', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(
      401,
    )
    await app.close()
    const bad = Fastify()
    await expect(bad.register(jwtAuth, { ...options(), clockTolerance: -1 })).rejects.toThrow(
      '"clockTolerance"',
    )
  })
})
