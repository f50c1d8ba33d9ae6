import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { Controller, Get, Injectable, Module, UseGuards } from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import { ExpressAdapter } from '@nestjs/platform-express'
import { createTestIssuer, type TestIssuer } from '@tokenguard/testing'
import {
  Auth,
  ConfigError,
  TokenguardGuard,
  TokenguardModule,
  type TokenguardModuleOptions,
  type VerifiedToken,
} from '@tokenguard/nestjs'
import { call } from './support/http.js'
import { PLATFORMS, startApp, type RunningApp } from './support/app.js'

let issuer: TestIssuer
beforeAll(async () => {
  issuer = await createTestIssuer()
})
afterAll(() => issuer.close())

/** Stands in for @nestjs/config's ConfigService: values a factory reads at start-up. */
@Injectable()
class Settings {
  readonly values = new Map<string, string>()
  get(name: string): string {
    const value = this.values.get(name)
    if (value === undefined) throw new Error(`setting ${name} is missing`)
    return value
  }
}
const settings = new Settings()

@Module({ providers: [{ provide: Settings, useValue: settings }], exports: [Settings] })
class SettingsModule {}

@Controller('guarded')
@UseGuards(TokenguardGuard)
class GuardedController {
  @Get()
  me(@Auth() auth: VerifiedToken) {
    return { sub: auth.payload.sub }
  }
}

@Controller('mixed')
class MixedController {
  @Get('open')
  open(@Auth() auth: VerifiedToken | undefined) {
    return { auth: auth ?? null }
  }

  @Get('closed')
  @UseGuards(TokenguardGuard)
  closed(@Auth() auth: VerifiedToken) {
    return { sub: auth.payload.sub }
  }
}

/** No global guard: only the controller and the route that ask for it are protected. */
function perControllerModule(tokenguard: ReturnType<typeof TokenguardModule.forRoot>) {
  @Module({ imports: [tokenguard], controllers: [GuardedController, MixedController] })
  class AppModule {}
  return AppModule
}

describe('TokenguardModule', () => {
  it('forRoot checks options at once: a bad one throws a ConfigError naming it', () => {
    expect(() =>
      TokenguardModule.forRoot({ issuer: issuer.url, audience: issuer.audience, cookie: '' }),
    ).toThrow(new ConfigError('cookie', 'must be a non-empty string'))
    expect(() => TokenguardModule.forRoot({ audience: 'x' } as unknown as TokenguardModuleOptions)).toThrow(
      ConfigError,
    )
  })

  it('forRootAsync refuses a missing factory at once', () => {
    expect(() => TokenguardModule.forRootAsync({} as never)).toThrow('"useFactory"')
  })

  it('forRootAsync with bad options fails app creation with the ConfigError', async () => {
    @Module({
      imports: [
        TokenguardModule.forRootAsync({
          useFactory: () => ({ issuer: issuer.url }) as TokenguardModuleOptions,
        }),
      ],
    })
    class BadModule {}
    await expect(
      NestFactory.create(BadModule, new ExpressAdapter(), { logger: false, abortOnError: false }),
      // The factory's options are checked as the app is created: it fails, naming the option.
    ).rejects.toThrow('"audience"')
  })
})

describe.each(PLATFORMS)('%s', (platform) => {
  describe('forRootAsync with an injected settings provider, guard per controller and per route', () => {
    let running: RunningApp
    beforeAll(async () => {
      settings.values.set('ISSUER', issuer.url)
      settings.values.set('AUDIENCE', issuer.audience as string)
      settings.values.set('REALM', 'from-settings')
      const tokenguard = TokenguardModule.forRootAsync({
        imports: [SettingsModule],
        inject: [Settings],
        useFactory: async (config: Settings) => ({
          issuer: config.get('ISSUER'),
          audience: config.get('AUDIENCE'),
          realm: config.get('REALM'),
        }),
      })
      running = await startApp(perControllerModule(tokenguard), platform)
    })
    afterAll(() => running.close())

    it('protects a controller with @UseGuards and uses the options from the factory', async () => {
      const token = await issuer.sign({ sub: 'alice' })
      await expect(call(running.url, '/guarded', token)).resolves.toMatchObject({
        status: 200,
        body: { sub: 'alice' },
      })
      const refused = await call(running.url, '/guarded')
      expect(refused.status).toBe(401)
      expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer realm="from-settings"/)
    })

    it('protects one route of a controller and leaves its unguarded sibling alone', async () => {
      await expect(call(running.url, '/mixed/open')).resolves.toMatchObject({
        status: 200,
        body: { auth: null },
      })
      expect((await call(running.url, '/mixed/closed')).status).toBe(401)
      const token = await issuer.sign({ sub: 'bob' })
      await expect(call(running.url, '/mixed/closed', token)).resolves.toMatchObject({
        status: 200,
        body: { sub: 'bob' },
      })
    })
  })

  it('forRoot works with a guard per controller', async () => {
    const module = perControllerModule(
      TokenguardModule.forRoot({ issuer: issuer.url, audience: issuer.audience }),
    )
    const running = await startApp(module, platform)
    try {
      expect((await call(running.url, '/guarded')).status).toBe(401)
      const token = await issuer.sign({ sub: 'carol' })
      expect((await call(running.url, '/guarded', token)).body).toEqual({ sub: 'carol' })
    } finally {
      await running.close()
    }
  })
})
