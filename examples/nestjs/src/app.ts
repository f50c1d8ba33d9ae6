import { Module, type INestApplication, type Type } from '@nestjs/common'
import { APP_GUARD, NestFactory } from '@nestjs/core'
import { ExpressAdapter } from '@nestjs/platform-express'
import { FastifyAdapter } from '@nestjs/platform-fastify'
import { TokenguardGuard, TokenguardModule, type TokenguardModuleOptions } from '@tokenguard/nestjs'
import { ItemsController } from './items.controller.js'

/** Options of {@link createApp}: how tokens are verified (at least `issuer` and `audience`). */
export type AppOptions = TokenguardModuleOptions

/** Nest's HTTP platform to run on. */
export type Platform = 'express' | 'fastify'

/**
 * The root module: token verification configured once, and the guard global (APP_GUARD), so a route
 * without decorators is authenticated and only `@Public()` opens one.
 */
export function createAppModule(options: AppOptions): Type<unknown> {
  @Module({
    imports: [TokenguardModule.forRoot(options)],
    controllers: [ItemsController],
    providers: [{ provide: APP_GUARD, useClass: TokenguardGuard }],
  })
  class AppModule {}
  return AppModule
}

/**
 * The example API, on Nest's Express or Fastify platform, with Nest's default exception filter (which
 * keeps the `WWW-Authenticate` and `Retry-After` headers the guard sets). Library code reads no
 * environment: the caller passes the verifier options. Call `listen()` on the result.
 *
 * - `GET /health` — public.
 * - `GET /me` — any valid token; returns its claims.
 * - `GET /items` — needs the `read:items` scope.
 * - `GET /admin` — needs the `admin` role.
 *
 * @example
 * ```ts
 * const app = await createApp({ issuer: 'https://idp.example.com/', audience: 'https://api.example.com' })
 * await app.listen(3000, '127.0.0.1')
 * ```
 */
export async function createApp(
  options: AppOptions,
  platform: Platform = 'express',
): Promise<INestApplication> {
  const module = createAppModule(options)
  const adapter = platform === 'fastify' ? new FastifyAdapter() : new ExpressAdapter()
  const app = await NestFactory.create(module, adapter, { logger: ['error', 'warn'] })
  app.enableShutdownHooks()
  return app
}
