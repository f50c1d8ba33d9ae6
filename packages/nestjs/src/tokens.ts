/**
 * Injection token of the module's `Authenticator` (the core's), made once by `TokenguardModule.forRoot` or
 * `forRootAsync`. Inject it for `authenticator.verifier.ready()` in a readiness probe.
 *
 * @example
 * ```ts
 * constructor(@Inject(TOKENGUARD_AUTHENTICATOR) private readonly authenticator: Authenticator<AuthRequest>) {}
 * ```
 */
export const TOKENGUARD_AUTHENTICATOR = Symbol.for('@tokenguard/nestjs:authenticator')

// Metadata keys of our own, never a generic `isPublic`: another library's `@Public()` (a common pattern in
// Nest tutorials) must not open routes this guard protects.
export const PUBLIC_KEY = 'tokenguard:public'
export const REQUIREMENTS_KEY = 'tokenguard:requirements'
