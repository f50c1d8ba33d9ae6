import { Controller, Get } from '@nestjs/common'
import { Auth, Public, RequireRoles, RequireScopes, type VerifiedToken } from '@tokenguard/nestjs'

/** The example's data: what `read:items` grants. */
export const ITEMS = [
  { id: 1, name: 'keyboard' },
  { id: 2, name: 'mouse' },
] as const

/**
 * Every route is authenticated by the global `TokenguardGuard` unless marked `@Public()`; decorators add
 * what the token must carry.
 */
@Controller()
export class ItemsController {
  @Public()
  @Get('health')
  health() {
    return { status: 'ok' }
  }

  @Get('me')
  me(@Auth() auth: VerifiedToken) {
    return auth.payload
  }

  @RequireScopes('read:items')
  @Get('items')
  items() {
    return ITEMS
  }

  @RequireRoles('admin')
  @Get('admin')
  admin(@Auth() auth: VerifiedToken) {
    return { message: `hello, admin ${auth.payload.sub ?? ''}`.trim() }
  }
}
