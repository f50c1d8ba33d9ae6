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
export { AuthError, ConfigError, isAuthError, NotReadyError } from './errors.js'
export type {
  AuthErrorCode,
  AuthErrorOptions,
  BearerErrorAttribute,
  NotReadyFailure,
  ReasonDetails,
} from './errors.js'
export type { AuthErrorReason, ReasonCheck, ReasonValue } from './reason.js'
export { tokenId } from './token-id.js'
export { createMemoryRevocationStore } from './revocation/memory-store.js'
export type { MemoryRevocationStore, MemoryRevocationStoreOptions } from './revocation/memory-store.js'
export { RevocationStoreFullError } from './revocation/revocation-store.js'
export type {
  RevocationClaims,
  RevocationEntry,
  RevocationStore,
  SubjectRevocation,
  TokenRevocation,
} from './revocation/revocation-store.js'
export type {
  CacheEvictMessage,
  CooldownMessage,
  DiscoveryFetchMessage,
  FetchTrigger,
  JwksFetchMessage,
  RefreshAheadMessage,
  StaleKeysMessage,
  VerifyMessage,
} from './diagnostics.js'
export { extractToken } from './extract-token.js'
export type { ExtractTokenOptions, HeadersLike } from './extract-token.js'
export {
  requireAnyScope,
  requireClaimEquals,
  requireClaimIncludes,
  requireClaims,
  requireRoles,
  requireScopes,
} from './guards.js'
export type { ClaimValue, Guard, GuardRequirement, RoleGuardOptions } from './guards.js'
export { claimPath, readClaim, rolePresets, rolesOf, scopesOf } from './claim-values.js'
export type { ClaimPath, NestedClaimPath } from './claim-values.js'
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
