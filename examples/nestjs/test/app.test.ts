import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import type { INestApplication } from '@nestjs/common'
import { createTestIssuer, type TestIssuer } from '@tokenguard/testing'
import { createApp, type Platform } from '../src/app.js'
import { ITEMS } from '../src/items.controller.js'

let issuer: TestIssuer
beforeAll(async () => {
  issuer = await createTestIssuer()
})
afterAll(() => issuer.close())

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

describe.each<Platform>(['express', 'fastify'])('NestJS example on %s', (platform) => {
  let app: INestApplication
  let url: string
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${url}${path}`, { headers })

  beforeAll(async () => {
    app = await createApp({ issuer: issuer.url, audience: issuer.audience }, platform)
    await app.listen(0, '127.0.0.1')
    url = await app.getUrl()
  })
  afterAll(() => app.close())

  it('serves /health without a token', async () => {
    const res = await get('/health')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ status: 'ok' })
  })

  it('answers /me with the claims of a valid token', async () => {
    const res = await get('/me', bearer(await issuer.sign({ sub: 'alice', scope: 'profile' })))
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ sub: 'alice', iss: issuer.url, scope: 'profile' })
  })

  it('challenges a request without a token, and an expired token, keeping WWW-Authenticate', async () => {
    const none = await get('/me')
    expect(none.status).toBe(401)
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer\b/)
    const token = await issuer.sign({}, { expiresIn: -3600 })
    const expired = await get('/me', bearer(token))
    expect(expired.status).toBe(401)
    expect(expired.headers.get('www-authenticate')).toContain('error="invalid_token"')
    expect(await expired.text()).not.toContain(token.split('.')[1])
  })

  it('serves /items with read:items and answers 403 insufficient_scope without it', async () => {
    const ok = await get('/items', bearer(await issuer.sign({ scope: 'profile read:items' })))
    expect(await ok.json()).toEqual(ITEMS)
    const refused = await get('/items', bearer(await issuer.sign({ scope: 'profile' })))
    expect(refused.status).toBe(403)
    expect(refused.headers.get('www-authenticate')).toContain('scope="read:items"')
  })

  it('guards /admin by role', async () => {
    const admin = await get('/admin', bearer(await issuer.sign({ sub: 'root', roles: ['admin'] })))
    expect(await admin.json()).toEqual({ message: 'hello, admin root' })
    expect((await get('/admin', bearer(await issuer.sign({ roles: ['user'] })))).status).toBe(403)
  })
})

describe('NestJS example, identity provider down', () => {
  it('answers 503 with Retry-After', async () => {
    const down = await createTestIssuer()
    await down.close()
    const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined)
    const app = await createApp({ issuer: down.url, audience: down.audience, jwks: { timeout: 2000 } })
    try {
      await app.listen(0, '127.0.0.1')
      const res = await fetch(`${await app.getUrl()}/me`, { headers: bearer(await down.sign()) })
      expect(res.status).toBe(503)
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/)
    } finally {
      await app.close()
      spy.mockRestore()
    }
  })
})
