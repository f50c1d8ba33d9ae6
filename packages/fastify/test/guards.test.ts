import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import Fastify, { type FastifyInstance } from 'fastify'
import { jwtAuth, requireAnyScope, requireClaims, requireRoles, requireScopes } from '@tokenguard/fastify'
import { createTestIssuer, type TestIssuer } from '@tokenguard/testing'
import { dpopChallenge } from '../../core/test/support/challenge.js'
import { inject } from './support/inject.js'

let issuer: TestIssuer
let app: FastifyInstance

beforeAll(async () => {
  issuer = await createTestIssuer()
  app = Fastify()
  app.get('/unprotected', { preHandler: requireScopes('read') }, async () => 'ok')
  await app.register(async (api) => {
    await api.register(jwtAuth, { issuer: issuer.url, audience: issuer.audience, realm: 'api' })
    api.get('/all', { preHandler: requireScopes('read', 'write') }, async () => 'ok')
    api.get('/any', { preHandler: requireAnyScope('read', 'write') }, async () => 'ok')
    api.get('/roles', { preHandler: [requireRoles('admin')] }, async () => 'ok')
    api.get('/claims', { onRequest: requireClaims((payload) => payload.sub === 'alice') }, async () => 'ok')
  })
  await app.ready()
})
afterAll(async () => {
  await app.close()
  await issuer.close()
})

async function status(url: string, claims: Record<string, unknown>) {
  const res = await inject(app, { url, headers: { authorization: `Bearer ${await issuer.sign(claims)}` } })
  return { status: res.statusCode, challenge: res.headers['www-authenticate'] }
}

describe('guards (Fastify)', () => {
  it('requireScopes needs every scope and names them in the challenge, with the realm', async () => {
    expect((await status('/all', { scope: 'read write' })).status).toBe(200)
    const denied = await status('/all', { scope: 'read' })
    expect(denied.status).toBe(403)
    // The error goes in the Bearer challenge (the scheme used); the DPoP one (allowed by default) follows.
    const [bearer, dpop] = (denied.challenge as string).split(/, (?=DPoP )/)
    expect(bearer).toMatch(/^Bearer realm="api", error="insufficient_scope", .*scope="read write"$/)
    expect(dpop).toBe(dpopChallenge('api'))
  })

  it('requireAnyScope, requireRoles and requireClaims, as preHandler or onRequest hooks', async () => {
    expect((await status('/any', { permissions: ['write'] })).status).toBe(200)
    expect((await status('/any', { scope: 'delete' })).status).toBe(403)
    expect((await status('/roles', { roles: ['admin'] })).status).toBe(200)
    expect((await status('/roles', { roles: ['editor'] })).status).toBe(403)
    expect((await status('/claims', { sub: 'alice' })).status).toBe(200)
    expect((await status('/claims', { sub: 'bob' })).status).toBe(403)
  })

  it('answers 401 when the plugin does not cover the route', async () => {
    const res = await inject(app, { url: '/unprotected' })
    expect(res.statusCode).toBe(401)
    expect(res.headers['www-authenticate']).toBe('Bearer')
  })

  it('exposes the requirement', () => {
    expect(requireRoles('a', { match: 'any' }).requirement).toMatchObject({
      kind: 'roles',
      match: 'any',
      values: ['a'],
    })
  })
})
