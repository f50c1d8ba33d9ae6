import { Inject, Injectable, Logger, type CanActivate, type ExecutionContext } from '@nestjs/common'
import { Reflector } from '@nestjs/core'
import { isAuthError, type Authenticator, type VerifiedToken } from '@tokenguard/core'
import { toHttpException } from './auth-exception.js'
import { requirementsOf } from './decorators.js'
import { requestFacts, type AuthRequest } from './request-facts.js'
import { PUBLIC_KEY, TOKENGUARD_AUTHENTICATOR } from './tokens.js'

/**
 * Authenticates the request with the module's options and enforces the route's `@RequireScopes()`,
 * `@RequireAnyScope()`, `@RequireRoles()` (…) requirements; `@Public()` routes pass without a token.
 * Sets `request.auth = { payload, header, token }` (an own property, on both platforms).
 *
 * A refusal is thrown as a {@link TokenguardException} (an `HttpException` with the RFC 6750 status), with
 * `WWW-Authenticate` or `Retry-After` already set on the response. Outside HTTP (WebSockets, microservices)
 * only `@Public()` handlers pass.
 *
 * Use it globally (`{ provide: APP_GUARD, useClass: TokenguardGuard }`) so that forgetting a decorator
 * cannot leave a route open, or per controller or route with `@UseGuards(TokenguardGuard)`.
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [TokenguardModule.forRoot({ issuer: 'https://idp.example.com/', audience: 'https://api.example.com' })],
 *   providers: [{ provide: APP_GUARD, useClass: TokenguardGuard }],
 * })
 * class AppModule {}
 * ```
 */
@Injectable()
export class TokenguardGuard implements CanActivate {
  private static readonly logger = new Logger('TokenguardGuard')

  constructor(
    @Inject(TOKENGUARD_AUTHENTICATOR) private readonly authenticator: Authenticator<AuthRequest>,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()] as const
    const requirements = requirementsOf(targets)
    // The handler's own `@Public()` first, then its controller's; a requirement anywhere overrides it.
    if (
      requirements.length === 0 &&
      this.reflector.getAllAndOverride<unknown>(PUBLIC_KEY, [...targets]) === true
    )
      return true
    // No bearer token outside HTTP: fail closed (Nest answers its own "Forbidden resource").
    if (context.getType() !== 'http') return false
    const http = context.switchToHttp()
    const request = http.getRequest<AuthRequest>()
    try {
      const outcome = this.authenticator.authenticateNow(
        request,
        requestFacts(request, this.authenticator.readsBody),
      )
      const auth = outcome instanceof Promise ? await outcome : outcome
      setAuth(request, auth)
      // The authenticator's challenge (realm, accepted schemes): a refusal answers in the request's scheme.
      for (const guard of requirements) guard(auth, this.authenticator.challenge)
    } catch (error) {
      // Nest's default filter logs no HttpException, yet a 503 (keys or revocation store unreachable) is for
      // operators: one line with the code and cause. Never the token; the 4xx are expected and stay quiet.
      if (isAuthError(error) && error.status >= 500)
        TokenguardGuard.logger.error(`${error.code}: ${error.message}`, String(error.cause ?? ''))
      throw toHttpException(error, http.getResponse())
    }
    return true
  }
}

/**
 * Records the outcome as `request.auth`, an own property (defined, so a getter a framework put on the
 * prototype cannot swallow it). Without a token, an `auth` left by earlier code is removed: what handlers
 * see is this guard's verdict.
 */
function setAuth(request: AuthRequest, auth: VerifiedToken | null): void {
  if (auth)
    Object.defineProperty(request, 'auth', {
      value: auth,
      writable: true,
      enumerable: true,
      configurable: true,
    })
  else if (Object.hasOwn(request, 'auth')) delete request.auth
}
