import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import { Controller, Get, Module, Req, SetMetadata, type Type } from '@nestjs/common'
import { APP_GUARD } from '@nestjs/core'
import { createTestIssuer, type TestIssuer } from '@tokenguard/testing'
import {
  Auth,
  Public,
  RequireAnyScope,
  RequireRoles,
  RequireScopes,
  TokenguardGuard,
  TokenguardModule,
  type AuthRequest,
  type VerifiedToken,
} from '@tokenguard/nestjs'
import { call } from './support/http.js'
import { PLATFORMS, startApp, type RunningApp } from './support/app.js'

@Controller('api')
class ApiController {
  @Get('plain')
  plain(@Auth() auth: VerifiedToken, @Req() req: AuthRequest) {
    return { sub: auth.payload.sub, own: Object.hasOwn(req, 'auth') }
  }

  @Public()
  @Get('health')
  health(@Auth() auth: VerifiedToken | undefined) {
    return { auth: auth ?? null }
  }

  // Another library's marker (the common `isPublic` key of Nest tutorials) must not open the route.
  @SetMetadata('isPublic', true)
  @Get('other-marker')
  otherMarker() {
    return { ok: true }
  }

  @Public()
  @RequireScopes('read:items')
  @Get('public-but-scoped')
  publicButScoped() {
    return { ok: true }
  }

  @RequireAnyScope('read:items', 'admin')
  @Get('any')
  any() {
    return { ok: true }
  }

  @RequireRoles('editor', 'publisher', { claims: 'groups', match: 'any' })
  @Get('roles')
  roles() {
    return { ok: true }
  }
}

@Public()
@Controller('open')
class OpenController {
  @Get()
  index() {
    return { ok: true }
  }
}

@RequireScopes('admin')
@Controller('admin')
class AdminController {
  @Get('any')
  any() {
    return { ok: true }
  }

  // Requirements accumulate: the controller's admin and the handler's write.
  @RequireScopes('write')
  @Get('write')
  write() {
    return { ok: true }
  }
}

function appModule(options: Parameters<typeof TokenguardModule.forRoot>[0]): Type<unknown> {
  @Module({
    imports: [TokenguardModule.forRoot(options)],
    controllers: [ApiController, OpenController, AdminController],
    providers: [{ provide: APP_GUARD, useClass: TokenguardGuard }],
  })
  class AppModule {}
  return AppModule
}

let issuer: TestIssuer
let down: TestIssuer
beforeAll(async () => {
  ;[issuer, down] = await Promise.all([createTestIssuer(), createTestIssuer()])
  await down.close()
})
afterAll(() => issuer.close())

describe('requirement decorators check their arguments at start-up', () => {
  it('throws a ConfigError when the class is decorated', () => {
    expect(() => RequireScopes()).toThrow('"requireScopes"')
    expect(() => RequireScopes('has space')).toThrow('"requireScopes"')
    expect(() => RequireRoles()).toThrow('"requireRoles"')
  })
})

describe.each(PLATFORMS)('%s, TokenguardGuard as APP_GUARD', (platform) => {
  let running: RunningApp
  beforeAll(async () => {
    running = await startApp(appModule({ issuer: issuer.url, audience: issuer.audience }), platform)
  })
  afterAll(() => running.close())

  it('authenticates a route without decorators and sets request.auth as an own property', async () => {
    const refused = await call(running.url, '/api/plain')
    expect(refused.status).toBe(401)
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer\b/)
    const token = await issuer.sign({ sub: 'alice' })
    const res = await call(running.url, '/api/plain', token)
    expect(res).toMatchObject({ status: 200, body: { sub: 'alice', own: true } })
  })

  it('answers a generic body that holds no token', async () => {
    const token = await issuer.sign({}, { expiresIn: -120 })
    const res = await call(running.url, '/api/plain', token)
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"')
    expect(res.body).toEqual({ statusCode: 401, message: 'The access token expired', error: 'Unauthorized' })
    expect(res.text).not.toContain(token.split('.')[1])
  })

  it('@Public() skips authentication for that handler only; request.auth stays unset', async () => {
    await expect(call(running.url, '/api/health')).resolves.toMatchObject({
      status: 200,
      body: { auth: null },
    })
    const token = await issuer.sign()
    await expect(call(running.url, '/api/health', token)).resolves.toMatchObject({ body: { auth: null } })
    await expect(call(running.url, '/api/health', 'not-a-jwt')).resolves.toMatchObject({ status: 200 })
    expect((await call(running.url, '/api/any')).status).toBe(401)
  })

  it('@Public() on a controller opens its routes, and only its routes', async () => {
    expect((await call(running.url, '/open')).status).toBe(200)
    expect((await call(running.url, '/admin/any')).status).toBe(401)
  })

  it("ignores another library's public marker", async () => {
    expect((await call(running.url, '/api/other-marker')).status).toBe(401)
  })

  it('lets a requirement win over @Public() on the same route (fails closed)', async () => {
    expect((await call(running.url, '/api/public-but-scoped')).status).toBe(401)
    const res = await call(running.url, '/api/public-but-scoped', await issuer.sign({ scope: 'other' }))
    expect(res.status).toBe(403)
    expect(res.headers.get('www-authenticate')).toContain('scope="read:items"')
    const ok = await call(running.url, '/api/public-but-scoped', await issuer.sign({ scope: 'read:items' }))
    expect(ok.status).toBe(200)
  })

  it('@RequireAnyScope() needs one of the scopes', async () => {
    expect((await call(running.url, '/api/any', await issuer.sign({ scope: 'admin' }))).status).toBe(200)
    const res = await call(running.url, '/api/any', await issuer.sign({ scope: 'write' }))
    expect(res.status).toBe(403)
    expect(res.headers.get('www-authenticate')).toContain('error="insufficient_scope"')
  })

  it('@RequireRoles() takes the core options object last', async () => {
    const publisher = await issuer.sign({ groups: ['publisher'] })
    expect((await call(running.url, '/api/roles', publisher)).status).toBe(200)
    // `claims: 'groups'`: the same role in `roles` does not count.
    const elsewhere = await issuer.sign({ roles: ['publisher'] })
    expect((await call(running.url, '/api/roles', elsewhere)).status).toBe(403)
  })

  it("combines a controller's requirement with its handler's", async () => {
    const admin = await issuer.sign({ scope: 'admin' })
    expect((await call(running.url, '/admin/any', admin)).status).toBe(200)
    expect((await call(running.url, '/admin/write', admin)).status).toBe(403)
    expect((await call(running.url, '/admin/write', await issuer.sign({ scope: 'write' }))).status).toBe(403)
    expect(
      (await call(running.url, '/admin/write', await issuer.sign({ scope: 'admin write' }))).status,
    ).toBe(200)
  })
})

describe.each(PLATFORMS)('%s, keys unreachable', (platform) => {
  it('answers 503 with Retry-After and no challenge, and logs the cause once without the token', async () => {
    const logged: unknown[] = []
    const spy = jest.spyOn(console, 'error').mockImplementation((...args) => void logged.push(...args))
    const running = await startApp(
      appModule({ issuer: down.url, audience: down.audience, jwks: { timeout: 2000 } }),
      platform,
    )
    try {
      const token = await down.sign()
      const res = await call(running.url, '/api/plain', token)
      expect(res.status).toBe(503)
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/)
      expect(res.headers.get('www-authenticate')).toBeNull()
      expect(res.body).toEqual({
        statusCode: 503,
        message: 'Service Unavailable',
        error: 'Service Unavailable',
      })
      const log = logged.map(String).join('\n')
      expect(log).toContain('keys_unavailable')
      expect(log).not.toContain(token)
    } finally {
      spy.mockRestore()
      await running.close()
    }
  })
})
