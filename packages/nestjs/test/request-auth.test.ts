import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { Controller, Get, Module, type ExecutionContext, type INestApplication } from '@nestjs/common'
import type { NestFastifyApplication } from '@nestjs/platform-fastify'
import { APP_GUARD, Reflector } from '@nestjs/core'
import { createTestIssuer, type TestIssuer } from '@tokenguard/testing'
import {
  Auth,
  createVerifier,
  Public,
  TokenguardGuard,
  TokenguardModule,
  type VerifiedToken,
} from '@tokenguard/nestjs'
import { createAuthenticator } from '@tokenguard/core'
import { call } from './support/http.js'
import { PLATFORMS, startApp, type Platform, type RunningApp } from './support/app.js'

@Controller()
class WhoController {
  @Get('who')
  who(@Auth() auth: VerifiedToken | undefined) {
    return { sub: auth?.payload.sub ?? null }
  }
}

/** `credentialsRequired: false`. */
function optionalModule(issuer: TestIssuer) {
  @Module({
    imports: [
      TokenguardModule.forRoot({ issuer: issuer.url, audience: issuer.audience, credentialsRequired: false }),
    ],
    controllers: [WhoController],
    providers: [{ provide: APP_GUARD, useClass: TokenguardGuard }],
  })
  class AppModule {}
  return AppModule
}

const forged = () => ({ payload: { sub: 'forged' }, header: {}, token: '' })

/** Earlier code (an Express middleware, a Fastify hook) plants an `auth` on the request the guard sees. */
function plantAuth(platform: Platform) {
  return (app: INestApplication) => {
    if (platform === 'nest-fastify')
      (app as NestFastifyApplication)
        .getHttpAdapter()
        .getInstance()
        .addHook('onRequest', async (request) => void Object.assign(request, { auth: forged() }))
    else
      app.use((req: { auth?: unknown }, _res: unknown, next: () => void) => ((req.auth = forged()), next()))
  }
}

let issuer: TestIssuer
beforeAll(async () => {
  issuer = await createTestIssuer()
})
afterAll(() => issuer.close())

describe.each(PLATFORMS)('%s, request.auth is the guard’s verdict', (platform) => {
  let running: RunningApp
  beforeAll(async () => {
    running = await startApp(optionalModule(issuer), platform, plantAuth(platform))
  })
  afterAll(() => running.close())

  it('removes an auth planted by earlier code when no token was verified', async () => {
    await expect(call(running.url, '/who')).resolves.toMatchObject({ status: 200, body: { sub: null } })
  })

  it('replaces it with the verified token', async () => {
    const token = await issuer.sign({ sub: 'alice' })
    await expect(call(running.url, '/who', token)).resolves.toMatchObject({ body: { sub: 'alice' } })
  })
})

describe('outside HTTP', () => {
  const authenticator = createAuthenticator({
    verifier: createVerifier({ issuer: 'https://idp.example/', audience: 'api' }),
  })
  const guard = new TokenguardGuard(authenticator, new Reflector())
  class Gateway {
    handle() {}
    @Public()
    open() {}
  }
  const context = (handler: () => void, type: string) =>
    ({
      getType: () => type,
      getHandler: () => handler,
      getClass: () => Gateway,
    }) as unknown as ExecutionContext

  it('lets only @Public() handlers through (no bearer token to check: fail closed)', async () => {
    await expect(guard.canActivate(context(Gateway.prototype.handle, 'rpc'))).resolves.toBe(false)
    await expect(guard.canActivate(context(Gateway.prototype.handle, 'ws'))).resolves.toBe(false)
    await expect(guard.canActivate(context(Gateway.prototype.open, 'ws'))).resolves.toBe(true)
  })
})
