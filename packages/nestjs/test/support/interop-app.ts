import { Controller, Get, Module, type INestApplication, type Type } from '@nestjs/common'
import { APP_GUARD, NestFactory } from '@nestjs/core'
import { ExpressAdapter } from '@nestjs/platform-express'
import { FastifyAdapter } from '@nestjs/platform-fastify'
import {
  Auth,
  RequireScopes,
  TokenguardGuard,
  TokenguardModule,
  type TokenguardModuleOptions,
  type VerifiedToken,
} from '@tokenguard/nestjs'
import { consoleErrorLogger, PLATFORMS, type Platform } from './app.js'

/**
 * Nest apps for the cross-framework suites in packages/testing (mTLS over HTTPS, encrypted tokens), with
 * the routes their other frameworks' apps have, behind a global `TokenguardGuard`:
 *
 * - `GET /protected` answers 200 `{ auth: <payload>, binding: <auth.binding or null> }`;
 * - `GET /scoped` is guarded by `@RequireScopes(scope)` and answers 200 `{ ok: true }`.
 *
 * Structural types here (not those of packages/testing) keep the two test trees free of import cycles.
 */
export interface InteropApp {
  url: string
  close(): Promise<void>
}

/** The server side of TLS: a PEM certificate and its key (packages/core's `TestCertificate` fits). */
export interface ServerCertificate {
  pem: string
  keyPem: string
}

function appModule(options: TokenguardModuleOptions, scope: string): Type<unknown> {
  @Controller()
  class InteropController {
    @Get('protected')
    protected(@Auth() auth: VerifiedToken | undefined) {
      return { auth: auth?.payload ?? null, binding: auth?.binding ?? null }
    }

    @RequireScopes(scope)
    @Get('scoped')
    scoped() {
      return { ok: true }
    }
  }

  @Module({
    imports: [TokenguardModule.forRoot(options)],
    controllers: [InteropController],
    providers: [{ provide: APP_GUARD, useClass: TokenguardGuard }],
  })
  class InteropModule {}
  return InteropModule
}

/**
 * Starts the app on 127.0.0.1, port 0; over HTTPS when `certificate` is given, asking every client for a
 * certificate and accepting any (the token's binding authenticates, not the chain). Nest's Express platform
 * takes `httpsOptions`; its Fastify platform ignores them, and takes Fastify's own `https` option instead.
 */
export async function startInteropApp(
  platform: Platform,
  options: Record<string, unknown>,
  settings: { scope?: string; certificate?: ServerCertificate } = {},
): Promise<InteropApp> {
  const { scope = 'read:items', certificate } = settings
  const module = appModule(options as unknown as TokenguardModuleOptions, scope)
  const tls =
    certificate === undefined
      ? undefined
      : { key: certificate.keyPem, cert: certificate.pem, requestCert: true, rejectUnauthorized: false }
  const app: INestApplication =
    platform === 'nest-express'
      ? await NestFactory.create(module, new ExpressAdapter(), {
          logger: consoleErrorLogger,
          ...(tls === undefined ? {} : { httpsOptions: tls }),
        })
      : await NestFactory.create(module, new FastifyAdapter(tls === undefined ? {} : { https: tls }), {
          logger: consoleErrorLogger,
        })
  await app.listen(0, '127.0.0.1')
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1')
  return { url, close: () => app.close() }
}

const DISPLAY_NAMES: Record<Platform, string> = {
  'nest-express': 'Nest (Express platform)',
  'nest-fastify': 'Nest (Fastify platform)',
}

/** Both platforms over HTTPS, in the shape of packages/testing's `HTTPS_APPS`. */
export const NEST_HTTPS_APPS: Record<
  string,
  (options: Record<string, unknown>, certificate: ServerCertificate) => Promise<InteropApp>
> = Object.fromEntries(
  PLATFORMS.map((platform) => [
    DISPLAY_NAMES[platform],
    (options: Record<string, unknown>, certificate: ServerCertificate) =>
      startInteropApp(platform, options, { certificate }),
  ]),
)

/** Both platforms over plain HTTP, in the shape of packages/testing's `FRAMEWORK_APPS` (no `observe`). */
export const NEST_HTTP_APPS: Record<
  string,
  (options: Record<string, unknown>, settings?: { scope?: string }) => Promise<InteropApp>
> = Object.fromEntries(
  PLATFORMS.map((platform) => [
    DISPLAY_NAMES[platform],
    (options: Record<string, unknown>, settings: { scope?: string } = {}) =>
      startInteropApp(platform, options, settings),
  ]),
)
