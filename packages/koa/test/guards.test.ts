import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import Router from '@koa/router'
import Koa from 'koa'
import request from 'supertest'
import { jwtAuth, requireAnyScope, requireClaims, requireRoles, requireScopes } from '@tokenguard/koa'
import { createTestIssuer, type TestIssuer } from '@tokenguard/testing'
import { dpopChallenge } from '../../core/test/support/challenge.js'

let issuer: TestIssuer
let server: ReturnType<Koa['callback']>

beforeAll(async () => {
  issuer = await createTestIssuer()
  const open = new Router()
  open.get('/unprotected', requireScopes('read'), (ctx) => {
    ctx.body = 'ok'
  })
  const router = new Router()
  const ok = (ctx: Koa.Context) => {
    ctx.body = 'ok'
  }
  router.get('/all', requireScopes('read', 'write'), ok)
  router.get('/any', requireAnyScope('read', 'write'), ok)
  router.get('/roles', requireRoles('admin'), ok)
  router.get('/any-role', requireRoles('admin', 'editor', { match: 'any' }), ok)
  router.get(
    '/claims',
    requireClaims((payload) => payload.sub === 'alice'),
    ok,
  )
  const app = new Koa()
  app.silent = true
  app.use(open.routes())
  app.use(jwtAuth({ issuer: issuer.url, audience: issuer.audience, realm: 'api' }))
  app.use(router.routes())
  server = app.callback()
})
afterAll(() => issuer.close())

async function status(path: string, claims: Record<string, unknown>) {
  const res = await request(server)
    .get(path)
    .auth(await issuer.sign(claims), { type: 'bearer' })
  return { status: res.status, challenge: res.headers['www-authenticate'] }
}

describe('guards (Koa)', () => {
  it('requireScopes needs every scope and names them in the challenge', async () => {
    expect((await status('/all', { scope: 'read write' })).status).toBe(200)
    const denied = await status('/all', { scope: 'read' })
    expect(denied.status).toBe(403)
    // The error goes in the Bearer challenge (the scheme used); the DPoP one (allowed by default) follows.
    const [bearer, dpop] = (denied.challenge as string).split(/, (?=DPoP )/)
    expect(bearer).toMatch(/^Bearer realm="api", error="insufficient_scope", .*scope="read write"$/)
    expect(dpop).toBe(dpopChallenge('api'))
  })

  it('requireAnyScope, requireRoles and requireClaims', async () => {
    expect((await status('/any', { scp: ['write'] })).status).toBe(200)
    expect((await status('/any', { scope: 'delete' })).status).toBe(403)
    expect((await status('/roles', { 'cognito:groups': ['admin'] })).status).toBe(200)
    expect((await status('/roles', { roles: ['editor'] })).status).toBe(403)
    expect((await status('/any-role', { groups: ['editor'] })).status).toBe(200)
    expect((await status('/claims', { sub: 'alice' })).status).toBe(200)
    expect((await status('/claims', { sub: 'bob' })).status).toBe(403)
  })

  it('answers 401 when no jwtAuth ran before the guard', async () => {
    const res = await request(server).get('/unprotected')
    expect(res.status).toBe(401)
    expect(res.headers['www-authenticate']).toBe('Bearer')
  })

  it('exposes the requirement', () => {
    expect(requireAnyScope('a', 'b').requirement).toEqual({
      kind: 'scopes',
      match: 'any',
      values: ['a', 'b'],
    })
  })
})
