export { TokenguardModule } from './module.js'
export type { TokenguardModuleAsyncOptions, TokenguardModuleOptions } from './module.js'
export { TokenguardGuard } from './guard.js'
export {
  Auth,
  Public,
  RequireAnyScope,
  RequireClaimEquals,
  RequireClaimIncludes,
  RequireClaims,
  RequireRoles,
  RequireScopes,
} from './decorators.js'
export type { ClassOrMethodDecorator } from './decorators.js'
export { TokenguardException } from './auth-exception.js'
export type { AuthRequest } from './request-facts.js'
export { TOKENGUARD_AUTHENTICATOR } from './tokens.js'
export { AuthError, claimPath, ConfigError, createVerifier, isAuthError, rolePresets } from '@tokenguard/core'
// Certificate-bound tokens behind a TLS-terminating proxy: the header parsers for `mtls.getCertificate`.
export { parseClientCertHeader, parseEnvoyXfcc, parseNginxClientCert } from '@tokenguard/core'
export type {
  AuthClaims,
  AuthErrorCode,
  Authenticator,
  ClaimValue,
  GuardRequirement,
  TokenHeader,
  TokenPayload,
  VerifiedToken,
  Verifier,
  VerifierOptions,
} from '@tokenguard/core'
