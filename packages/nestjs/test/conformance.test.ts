import { Controller, Get, HttpCode, Module, Options, Post, type Type } from '@nestjs/common'
import { APP_GUARD } from '@nestjs/core'
import { describe } from '@jest/globals'
import {
  Auth,
  RequireScopes,
  TokenguardGuard,
  TokenguardModule,
  type TokenguardModuleOptions,
  type VerifiedToken,
} from '@tokenguard/nestjs'
import { describeConformance } from '../../testing/test/conformance/run-conformance.js'
import { PLATFORMS, startApp } from './support/app.js'

@Controller()
class ConformanceController {
  @Options('protected')
  @HttpCode(204)
  preflight(): void {}

  @Get('protected')
  read(@Auth() auth: VerifiedToken | undefined) {
    return { auth: auth?.payload ?? null }
  }

  // Nest answers a POST with 201 by default; the contract says 200.
  @Post('protected')
  @HttpCode(200)
  write(@Auth() auth: VerifiedToken | undefined) {
    return { auth: auth?.payload ?? null }
  }

  @Get('scoped')
  @RequireScopes('read:items')
  scoped() {
    return { ok: true }
  }
}

/** The conformance app of app-contract.ts: the guard global (APP_GUARD), Nest's default exception filter. */
function conformanceModule(options: Record<string, unknown>): Type<unknown> {
  @Module({
    imports: [TokenguardModule.forRoot(options as unknown as TokenguardModuleOptions)],
    controllers: [ConformanceController],
    providers: [{ provide: APP_GUARD, useClass: TokenguardGuard }],
  })
  class ConformanceModule {}
  return ConformanceModule
}

describe('@tokenguard/nestjs', () => {
  for (const platform of PLATFORMS)
    describeConformance(platform, async (options) => startApp(conformanceModule(options), platform))
})
