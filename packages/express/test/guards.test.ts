import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import express, { type RequestHandler } from 'express'
import request from 'supertest'
import { jwtAuth, requireAnyScope, requireClaims, requireRoles, requireScopes } from '@tokenguard/express'
import { createTestIssuer, type TestIssuer } from '@tokenguard/testing'
import { dpopChallenge } from '../../core/test/support/challenge.js'

let issuer: TestIssuer
let app: express.Express
const ok: RequestHandler = (_req, res) => void res.send('ok')

beforeAll(async () => {
  issuer = await createTestIssuer()
  app = express()
  app.get('/unprotected', requireScopes('read'), ok)
  app.use(jwtAuth({ issuer: issuer.url, audience: issuer.audience, realm: 'api' }))
  app.get('/all', requireScopes('read', 'write'), ok)
  app.get('/any', requireAnyScope('read', 'write'), ok)
  app.get('/roles', requireRoles('admin'), ok)
  app.get('/any-role', requireRoles('admin', 'editor', { match: 'any' }), ok)
  app.get(
    '/claims',
    requireClaims((payload) => payload.sub === 'alice'),
    ok,
  )
})
afterAll(() => issuer.close())

async function status(path: string, claims: Record<string, unknown>) {
  const res = await request(app)
    .get(path)
    .auth(await issuer.sign(claims), { type: 'bearer' })
  return { status: res.status, challenge: res.headers['www-authenticate'] }
}

describe('guards (Express)', () => {
  it('requireScopes needs every scope and names them in the challenge', async () => {
    expect((await status('/all', { scope: 'read write' })).status).toBe(200)
    const denied = await status('/all', { scope: 'read' })
    expect(denied.status).toBe(403)
    // The error goes in the Bearer challenge (the scheme used); the DPoP one (allowed by default) follows.
    const [bearer, dpop] = (denied.challenge as string).split(/, (?=DPoP )/)
    expect(bearer).toMatch(/^Bearer realm="api", error="insufficient_scope", .*scope="read write"$/)
    expect(dpop).toBe(dpopChallenge('api'))
  })

  it('requireAnyScope needs one of the scopes', async () => {
    expect((await status('/any', { scp: ['write'] })).status).toBe(200)
    expect((await status('/any', { scope: 'delete' })).status).toBe(403)
  })

  it('requireRoles reads the usual role claims', async () => {
    expect((await status('/roles', { roles: ['admin'] })).status).toBe(200)
    expect((await status('/roles', { realm_access: { roles: ['admin'] } })).status).toBe(200)
    expect((await status('/roles', { roles: ['editor'] })).status).toBe(403)
    expect((await status('/any-role', { groups: ['editor'] })).status).toBe(200)
  })

  it('requireClaims applies a predicate', async () => {
    expect((await status('/claims', { sub: 'alice' })).status).toBe(200)
    expect((await status('/claims', { sub: 'bob' })).status).toBe(403)
  })

  it('answers 401 when no jwtAuth ran before the guard', async () => {
    const res = await request(app).get('/unprotected')
    expect(res.status).toBe(401)
    expect(res.headers['www-authenticate']).toBe('Bearer')
  })

  it('exposes the requirement and refuses empty requirements at start-up', () => {
    expect(requireScopes('a').requirement).toEqual({ kind: 'scopes', match: 'all', values: ['a'] })
    expect(() => requireScopes()).toThrow('"requireScopes"')
  })
})
