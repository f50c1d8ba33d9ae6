import { Module, type DynamicModule, type ModuleMetadata } from '@nestjs/common'
import { ConfigError, createAuthenticator, type AuthenticatorOptions } from '@tokenguard/core'
import { TokenguardGuard } from './guard.js'
import { clientCertificate, requestUrl, type AuthRequest } from './request-facts.js'
import { TOKENGUARD_AUTHENTICATOR } from './tokens.js'

/**
 * Options of {@link TokenguardModule}: those of every adapter. The core's `VerifierOptions` (`issuer`,
 * `audience`, …) or a shared `verifier`, plus `credentialsRequired`, `getToken(request)`, `cookie`,
 * `query`, `body` and `allowPreflight`. `getToken` gets the platform's request (Express's or Fastify's).
 */
export type TokenguardModuleOptions = AuthenticatorOptions<AuthRequest>

/** Options of {@link TokenguardModule.forRootAsync}: a factory, as Nest's own modules take. */
export interface TokenguardModuleAsyncOptions {
  /** Modules whose providers the factory injects (e.g. `ConfigModule`). */
  imports?: ModuleMetadata['imports']
  /** Returns the options, from the providers listed in `inject`. */
  useFactory: (...args: never[]) => TokenguardModuleOptions | Promise<TokenguardModuleOptions>
  /** Providers passed to `useFactory`, in order. */
  inject?: Array<
    string | symbol | (abstract new (...args: never[]) => unknown) | (new (...args: never[]) => unknown)
  >
}

function moduleOf(
  providers: NonNullable<DynamicModule['providers']>,
  imports: DynamicModule['imports'] = [],
): DynamicModule {
  return {
    module: TokenguardModule,
    // Global, so that `@UseGuards(TokenguardGuard)` resolves the authenticator in any module.
    global: true,
    imports,
    providers: [...providers, TokenguardGuard],
    exports: [TOKENGUARD_AUTHENTICATOR, TokenguardGuard],
  }
}

/**
 * Configures token verification for the whole app (a global module: import it once, in the root module).
 * Then protect routes with {@link TokenguardGuard}, globally or per controller.
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [
 *     TokenguardModule.forRootAsync({
 *       imports: [ConfigModule],
 *       inject: [ConfigService],
 *       useFactory: (config: ConfigService) => ({ issuer: config.get('ISSUER'), audience: config.get('AUDIENCE') }),
 *     }),
 *   ],
 *   providers: [{ provide: APP_GUARD, useClass: TokenguardGuard }],
 * })
 * class AppModule {}
 * ```
 */
@Module({})
export class TokenguardModule {
  /** Options checked now: a bad one throws a `ConfigError` naming it, before the app is created. */
  static forRoot(options: TokenguardModuleOptions): DynamicModule {
    const authenticator = createAuthenticator<AuthRequest>(options, { requestUrl, clientCertificate })
    return moduleOf([{ provide: TOKENGUARD_AUTHENTICATOR, useValue: authenticator }])
  }

  /** Options from a factory (Nest's config); checked when the app is created, which then fails. */
  static forRootAsync(options: TokenguardModuleAsyncOptions): DynamicModule {
    if (typeof options !== 'object' || options === null) throw new ConfigError('options', 'must be an object')
    const { useFactory, inject = [], imports = [] } = options
    if (typeof useFactory !== 'function') throw new ConfigError('useFactory', 'must be a function')
    if (!Array.isArray(inject)) throw new ConfigError('inject', 'must be an array')
    return moduleOf(
      [
        {
          provide: TOKENGUARD_AUTHENTICATOR,
          useFactory: async (...args: never[]) =>
            createAuthenticator<AuthRequest>(await useFactory(...args), { requestUrl, clientCertificate }),
          inject,
        },
      ],
      imports,
    )
  }
}
