export { jwtAuth } from './jwt-auth.js'
export type { JwtAuthOptions } from './jwt-auth.js'
export { protectedResourceMetadata } from './resource-metadata.js'
export {
  requireAnyScope,
  requireClaimEquals,
  requireClaimIncludes,
  requireClaims,
  requireRoles,
  requireScopes,
  toHandler,
} from './guards.js'
export type { GuardHandler } from './guards.js'
export { AuthError, claimPath, ConfigError, createVerifier, isAuthError, rolePresets } from '@tokenguard/core'
// Certificate-bound tokens behind a TLS-terminating proxy: the header parsers for `mtls.getCertificate`.
export { parseClientCertHeader, parseEnvoyXfcc, parseNginxClientCert } from '@tokenguard/core'
export type {
  AuthClaims,
  AuthErrorCode,
  ClaimValue,
  GuardRequirement,
  TokenHeader,
  TokenPayload,
  VerifiedToken,
  Verifier,
  VerifierOptions,
} from '@tokenguard/core'
