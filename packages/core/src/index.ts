export { createAuthenticator } from './authenticator.js'
export type {
  Authenticator,
  MaybePromise,
  AuthenticatorOptions,
  RequestAuthOptions,
  RequestFacts,
} from './authenticator.js'
export { createVerifier } from './create-verifier.js'
export type { Verifier } from './create-verifier.js'
export { AuthError, ConfigError, isAuthError } from './errors.js'
export type { AuthErrorCode, AuthErrorOptions, BearerErrorAttribute } from './errors.js'
export { extractToken } from './extract-token.js'
export type { ExtractTokenOptions, HeadersLike } from './extract-token.js'
export { requireAnyScope, requireClaims, requireRoles, requireScopes } from './guards.js'
export type { Guard, GuardRequirement, RoleGuardOptions } from './guards.js'
export { readClaim, rolePresets, rolesOf, scopesOf } from './claim-values.js'
export type { ClaimPath } from './claim-values.js'
export { bearerChallenge } from './www-authenticate.js'
export type { ChallengeParams } from './www-authenticate.js'
export type {
  Algorithm,
  AsymmetricAlgorithm,
  IssuerConfig,
  JwksOptions,
  KeyInput,
  SymmetricAlgorithm,
  TokenCacheOptions,
  VerifierOptions,
} from './options.js'
export type { TokenCacheStats } from './token-cache.js'
export type { AuthClaims, RegisteredClaims, TokenHeader, TokenPayload, VerifiedToken } from './types.js'
