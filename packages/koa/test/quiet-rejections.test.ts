import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { format } from 'node:util'
import request from 'supertest'
import { AuthError, jwtAuth, requireScopes, type AuthErrorCode } from '@tokenguard/koa'
import { createTestIssuer, type TestIssuer } from '@tokenguard/testing'
import { koaVersions, listen, type KoaClass } from './support/app.js'

/**
 * A rejected token is an expected outcome. Koa's default handling already logs nothing for an error it
 * may expose (every 4xx AuthError) and answers with its message; these pin that down, with no stack in
 * the body in any environment. An app's own `error` listener that logs the error prints one line, and a
 * 503 is still logged with its stack for operators.
 */

let issuer: TestIssuer
beforeAll(async () => {
  issuer = await createTestIssuer()
})
afterAll(() => issuer.close())

let logged: string[]
beforeEach(() => {
  logged = []
  jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    logged.push(format(...args))
  })
})
afterEach(() => {
  jest.restoreAllMocks()
})

function appOf(Koa: KoaClass, env: string, options: Record<string, unknown> = {}) {
  const app = new Koa({ env })
  app.use(jwtAuth({ issuer: issuer.url, audience: issuer.audience, ...options }))
  app.use(async (ctx, next) => {
    if (ctx.path === '/scoped') await requireScopes('write')(ctx, next)
    else ctx.body = 'ok'
  })
  return app
}

async function get(app: ReturnType<typeof appOf>, path: string, token?: string) {
  const server = await listen(app)
  try {
    const req = request(server.url).get(path)
    return await (token === undefined ? req : req.auth(token, { type: 'bearer' }))
  } finally {
    await server.close()
  }
}

describe.each(Object.entries(koaVersions))('%s', (_name, Koa) => {
  describe.each(['production', 'development'])('%s', (env) => {
    it.each<[string, string, () => Promise<string | undefined>, AuthErrorCode]>([
      ['no token', '/', async () => undefined, 'credentials_required'],
      ['an expired token', '/', async () => issuer.sign({}, { expiresIn: -60 }), 'token_expired'],
      ['a forged token', '/', async () => `${(await issuer.sign()).slice(0, -4)}AAAA`, 'signature_invalid'],
      ['a missing scope', '/scoped', async () => issuer.sign({ scope: 'read' }), 'insufficient_scope'],
    ])('%s: nothing logged, the message as body', async (_case, path, token, code) => {
      const { message, status } = new AuthError(code)
      const res = await get(appOf(Koa, env), path, await token())
      expect(res.status).toBe(status)
      expect(res.text).toBe(message)
      expect(logged).toEqual([])
    })
  })

  it('an app that logs every error event logs a rejection as one line', async () => {
    const app = appOf(Koa, 'production')
    app.on('error', (error: unknown) => console.error(error))
    const res = await get(app, '/', await issuer.sign({}, { expiresIn: -60 }))
    expect(res.status).toBe(401)
    const { message } = new AuthError('token_expired')
    // One line: the generic message, then the operator's reason in parentheses.
    expect(logged).toEqual([
      expect.stringMatching(new RegExp(`^AuthError \\[token_expired\\]: ${message} \\(exp [^\\n]+\\)$`)),
    ])
  })

  it('a 503 is logged with its stack; the body says only the status', async () => {
    const app = appOf(Koa, 'production', { jwksUri: `${issuer.url}/missing-jwks` })
    const res = await get(app, '/', await issuer.sign())
    expect(res.status).toBe(503)
    expect(res.text).toBe('Service Unavailable')
    expect(logged).toHaveLength(1)
    expect(logged[0]).toMatch(/AuthError: Token verification keys are temporarily unavailable\n\s+at /)
  })
})
