import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import {
  Catch,
  Controller,
  Get,
  HttpException,
  Inject,
  Module,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common'
import { APP_FILTER, APP_GUARD, HttpAdapterHost } from '@nestjs/core'
import { createTestIssuer, type TestIssuer } from '@tokenguard/testing'
import { RequireScopes, TokenguardException, TokenguardGuard, TokenguardModule } from '@tokenguard/nestjs'
import { call } from './support/http.js'
import { PLATFORMS, startApp, type RunningApp } from './support/app.js'

/**
 * The catch-all filter the README shows: it answers with an HttpException's own status (never a blanket
 * 500), leaves the headers the guard set on the response alone, and sends the stable code, not the cause.
 * Through Nest's HttpAdapter it works on both platforms.
 */
@Catch()
class JsonErrors implements ExceptionFilter {
  constructor(@Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const { httpAdapter } = this.adapterHost
    const response = host.switchToHttp().getResponse<unknown>()
    if (exception instanceof TokenguardException)
      return void httpAdapter.reply(response, { error: exception.code }, exception.getStatus())
    const status = exception instanceof HttpException ? exception.getStatus() : 500
    httpAdapter.reply(response, { error: status === 500 ? 'internal_error' : 'http_error' }, status)
  }
}

@Controller()
class ItemsController {
  @Get('items')
  @RequireScopes('read:items')
  items() {
    return [{ id: 1 }]
  }

  @Get('boom')
  boom(): never {
    throw new Error('internal detail')
  }
}

function appModule(issuer: TestIssuer) {
  @Module({
    imports: [TokenguardModule.forRoot({ issuer: issuer.url, audience: issuer.audience })],
    controllers: [ItemsController],
    providers: [
      { provide: APP_GUARD, useClass: TokenguardGuard },
      { provide: APP_FILTER, useClass: JsonErrors },
    ],
  })
  class AppModule {}
  return AppModule
}

let issuer: TestIssuer
beforeAll(async () => {
  issuer = await createTestIssuer()
})
afterAll(() => issuer.close())

describe.each(PLATFORMS)('%s, a custom catch-all exception filter', (platform) => {
  let running: RunningApp
  beforeAll(async () => {
    running = await startApp(appModule(issuer), platform)
  })
  afterAll(() => running.close())

  it('keeps the status and WWW-Authenticate of a refusal', async () => {
    const none = await call(running.url, '/items')
    expect(none).toMatchObject({ status: 401, body: { error: 'credentials_required' } })
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer\b/)
    const scope = await call(running.url, '/items', await issuer.sign({ scope: 'other' }))
    expect(scope).toMatchObject({ status: 403, body: { error: 'insufficient_scope' } })
    expect(scope.headers.get('www-authenticate')).toContain('scope="read:items"')
  })

  it('still serves a valid token, and answers other errors without a challenge', async () => {
    const token = await issuer.sign({ scope: 'read:items' })
    await expect(call(running.url, '/items', token)).resolves.toMatchObject({ status: 200 })
    const boom = await call(running.url, '/boom', token)
    expect(boom).toMatchObject({ status: 500, body: { error: 'internal_error' } })
    expect(boom.headers.get('www-authenticate')).toBeNull()
  })
})
