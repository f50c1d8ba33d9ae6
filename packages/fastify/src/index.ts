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
export { AuthError, claimPath, ConfigError, createVerifier, isAuthError, rolePresets } from '@tokenguard/core'
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
