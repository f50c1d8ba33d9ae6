export { createAuthenticator } from './authenticator.js'
export type {
  Authenticator,
  AuthenticatorHooks,
  MaybePromise,
  AuthenticatorOptions,
  RequestAuthOptions,
  RequestFacts,
} from './authenticator.js'
export { createVerifier } from './create-verifier.js'
export type { Verifier, VerifyOptions } from './create-verifier.js'
export type { BindingMethod } from './binding.js'
export type {
  IntrospectionAuthMethod,
  IntrospectionIssuerSelector,
  IntrospectionOptions,
} from './introspection/introspection-types.js'
export { createMemoryReplayStore, ReplayStoreFullError } from './dpop/replay-store.js'
export type { MemoryReplayStoreOptions, ReplayStore } from './dpop/replay-store.js'
export type { DpopOptions } from './dpop/dpop-options.js'
export type { RequestUrl } from './dpop/htu.js'
export type { MtlsOptions, CertificateResult } from './mtls/mtls-options.js'
export { certificateDer, certificateThumbprint, socketCertificate } from './mtls/certificate.js'
export type { ClientCertificate, PeerCertificateSource } from './mtls/certificate.js'
export { parseClientCertHeader, parseEnvoyXfcc, parseNginxClientCert } from './mtls/proxy-headers.js'
export { AuthError, ConfigError, isAuthError, NotReadyError } from './errors.js'
export type {
  AuthErrorCode,
  AuthErrorOptions,
  BearerErrorAttribute,
  ChallengeErrorAttribute,
  NotReadyFailure,
  ReasonDetails,
} from './errors.js'
export type { AuthErrorReason, ReasonCheck, ReasonValue } from './reason.js'
export { tokenId } from './token-id.js'
export { unusableKeyReason } from './jwks/usable-keys.js'
export { createMemoryRevocationStore } from './revocation/memory-store.js'
export type { MemoryRevocationStore, MemoryRevocationStoreOptions } from './revocation/memory-store.js'
export { RevocationStoreFullError } from './revocation/revocation-store.js'
// For stores in other packages (@tokenguard/redis): the same entry rules whatever the backend.
export { MAX_IDENTIFIER_LENGTH, revocationRule } from './revocation/revocation-entry.js'
export type { RevocationRule } from './revocation/revocation-entry.js'
export type {
  RevocationClaims,
  RevocationEntry,
  RevocationStore,
  SubjectRevocation,
  TokenRevocation,
} from './revocation/revocation-store.js'
export type {
  CacheEvictMessage,
  IntrospectionMessage,
  CooldownMessage,
  DiscoveryFetchMessage,
  FetchTrigger,
  JwksFetchMessage,
  RefreshAheadMessage,
  StaleKeysMessage,
  VerifyMessage,
} from './diagnostics.js'
export { extractToken, readHeader } from './extract-token.js'
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
export { bearerChallenge, challengeHeader } from './www-authenticate.js'
export { createProtectedResource, WELL_KNOWN_PATH } from './resource/resource-metadata.js'
export type { ProtectedResource, ProtectedResourceMetadata } from './resource/resource-metadata.js'
export type { ProtectedResourceOptions, ResourceMetadataOptions } from './resource/resource-options.js'
export { metadataResponse } from './resource/serve-metadata.js'
export type { MetadataResponse } from './resource/serve-metadata.js'
export type { Challenge, ChallengeError, ChallengeParams } from './www-authenticate.js'
export type {
  Algorithm,
  AsymmetricAlgorithm,
  IssuerConfig,
  IssuerOption,
  IssuerSource,
  JwksOptions,
  KeyInput,
  SymmetricAlgorithm,
  TokenCacheOptions,
  VerifierCommonOptions,
  VerifierOptions,
} from './options.js'
export type { TokenCacheStats } from './token-cache.js'
export type {
  ContentEncryptionAlgorithm,
  DecryptionKeyInput,
  DecryptionOptions,
  KeyManagementAlgorithm,
} from './jwe/decryption-types.js'
export type { EncryptionInfo } from './jwe/decrypt-token.js'
export type { IssuerCacheOptions, IssuerResolver, ResolvedIssuer } from './issuers/issuer-options.js'
export * as profiles from './profiles/index.js'
export type { ProfileOptions } from './profiles/providers.js'
export type { ProviderProfile } from './profiles/profile.js'
export type {
  AuthClaims,
  RegisteredClaims,
  RequestBinding,
  TokenHeader,
  TokenPayload,
  VerifiedToken,
} from './types.js'
