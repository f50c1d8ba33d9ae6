import { jwtAuth } from './plugin.js'

export { jwtAuth }
export default jwtAuth
export type { JwtAuthOptions } from './plugin.js'
export {
  requireAnyScope,
  requireClaimEquals,
  requireClaimIncludes,
  requireClaims,
  requireRoles,
  requireScopes,
  toHook,
} from './guards.js'
export type { GuardHook } from './guards.js'
export type { RouteAuthConfig } from './route-requirements.js'
export { protectedResourceMetadata } from './resource-metadata.js'
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
