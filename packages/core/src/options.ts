import type { KeyObject } from 'node:crypto'
import type { JWK } from 'jose'
import type { DecryptionOptions } from './jwe/decryption-types.js'
import type {
  IntrospectionIssuerSelector,
  IntrospectionOptions,
} from './introspection/introspection-types.js'
import type { IssuerCacheOptions, IssuerResolver } from './issuers/issuer-options.js'
import type { ProviderProfile } from './profiles/profile.js'
import type { RevocationStore } from './revocation/revocation-store.js'
import type { TokenHeader, TokenPayload } from './types.js'

/** A static verification key: a public JWK, a JWK Set, a PEM (SPKI or X.509 certificate) or a `KeyObject`. */
export type KeyInput = JWK | { keys: JWK[] } | string | KeyObject

/** Signature algorithms tokenguard can verify. */
export type AsymmetricAlgorithm =
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'EdDSA'
  | 'Ed25519'
export type SymmetricAlgorithm = 'HS256' | 'HS384' | 'HS512'
export type Algorithm = AsymmetricAlgorithm | SymmetricAlgorithm

/** Where one trusted issuer's keys come from, for `issuer: IssuerConfig[]` (several issuers or tenants). */
export interface IssuerConfig {
  /** The exact `iss` value, one per entry. A URL must have no query or fragment (RFC 8414 §2). */
  issuer: string
  /** JWK Set URL. Default: discovered from the issuer's metadata. */
  jwksUri?: string
  /** Static keys instead of a JWK Set URL. */
  keys?: KeyInput | KeyInput[]
  /** HMAC secret (at least as many bytes as the hash). Excludes `jwksUri` and `keys`. */
  secret?: string | Uint8Array | KeyObject
  /** Algorithms accepted for this issuer. Default: the verifier's `algorithms`. */
  algorithms?: Algorithm[]
  /** Keys that decrypt this issuer's encrypted access tokens (nested JWTs). Default: none. */
  decryption?: DecryptionOptions
  /**
   * For an issuer template (`issuer` holding `{tenantid}`): the claim that must equal the tenant id in `iss`.
   * Default: `tid` for Microsoft hosts (`login.microsoftonline.com`, `sts.windows.net`, national clouds);
   * required otherwise. See docs/multi-tenant.md.
   */
  tenantClaim?: string
  /**
   * For an issuer template: the tenant ids trusted (exact, case-sensitive). A template requires this or
   * `isTenantAllowed`.
   *
   * Security: without an allowlist a template would trust every tenant of the provider, and anyone can
   * create a tenant at most providers (Entra ID included).
   */
  tenants?: string[]
  /**
   * For an issuer template: decides whether a tenant id is trusted (exactly `true` trusts it). Called at
   * most once per tenant per `issuerCache.ttl` (refusals remembered `issuerCache.negativeTtl`), within
   * `issuerCache.maxResolvesPerMinute`; a throw or rejection is a 503 `keys_unavailable`.
   */
  isTenantAllowed?: (tenantId: string) => boolean | Promise<boolean>
  /**
   * Introspects this issuer's opaque tokens (or all of them) at its RFC 7662 endpoint. See
   * {@link IntrospectionOptions} and docs/introspection.md.
   */
  introspection?: IntrospectionOptions
}

/** Options of the remote JWK Set fetcher and cache. All durations in milliseconds. */
export interface JwksOptions {
  /** Abort a JWK Set or discovery fetch (headers and body) after this long. Default: 5 000 ms. */
  timeout?: number
  /**
   * Least time between two refetches caused by an unknown `kid`. The first unknown `kid` after any other
   * fetch (first load, scheduled refresh, refresh ahead) refetches at once, as its key may have been
   * published just after that fetch. Also the least time between two re-reads of discovery metadata, and
   * the wait after a failed fetch when shorter than 5 s. Default: 30 000 ms.
   *
   * Security: bounds what a flood of made-up `kid`s costs the issuer: one request per cooldown, plus at
   * most one after each scheduled refresh.
   */
  cooldown?: number
  /** Cache age used when the response has no `Cache-Control: max-age`. Default: 600 000 ms (10 min). */
  cacheMaxAge?: number
  /** Lower bound applied to a `Cache-Control: max-age`. Default: 60 000 ms. */
  minCacheAge?: number
  /**
   * Upper bound applied to a `Cache-Control: max-age`; discovery metadata older than this is read again
   * before the next JWK Set fetch. Default: 86 400 000 ms (24 h).
   */
  maxCacheAge?: number
  /** Start a background refresh this long before the cache expires. Default: 30 000 ms. */
  refreshAhead?: number
  /**
   * Stale-if-error: when a refresh fails, keep serving the last good keys for this long after they
   * expired, instead of failing every request. Default: 3 600 000 ms (1 h). `0` fails closed at once.
   *
   * Security: during a compromise-driven rotation the old keys stay trusted for this window if the
   * issuer is unreachable. Shorten it if that matters more to you than availability.
   */
  staleWindow?: number
  /** Largest JWK Set or discovery response accepted, in bytes. Default: 512 KiB. */
  maxResponseBytes?: number
  /** Most keys kept from one JWK Set. Default: 100. */
  maxKeys?: number
  /** `fetch` implementation, e.g. one bound to an undici proxy agent. Default: global `fetch`. */
  fetch?: typeof fetch
}

/** Options of the verified-token cache. */
export interface TokenCacheOptions {
  /** Most tokens kept. Default: 10 000. */
  maxEntries?: number
  /**
   * Most heap the cache may hold, in bytes: each entry is charged what it really retains (token, every
   * claim value, objects and arrays, bookkeeping), so claim-heavy tokens count for more. Default: 32 MiB.
   */
  maxBytes?: number
}

/**
 * The trusted issuers: the exact `iss` of accepted tokens (RFC 7519 §4.1.1), several of them, or one
 * {@link IssuerConfig} per trusted issuer. `null` explicitly accepts any issuer.
 */
export type IssuerOption = string | string[] | IssuerConfig[] | null

/**
 * `issuer` is required unless `resolveIssuer` is given: a verifier always knows whom it trusts, either
 * listed or looked up. A union rather than two optional properties so that forgetting both is a type error.
 */
export type IssuerSource =
  | {
      /**
       * Required (unless `resolveIssuer` is given). The exact `iss` of accepted tokens (RFC 7519 §4.1.1),
       * several of them, or one {@link IssuerConfig} per trusted issuer. `null` explicitly accepts any issuer
       * (then `jwksUri`, `keys` or `secret` is needed). An issuer that is a URL must have no query or
       * fragment (RFC 8414 §2).
       */
      issuer: IssuerOption
      /** Not set: see the other form of {@link IssuerSource} (`resolveIssuer` cannot go with `issuer: null`). */
      resolveIssuer?: undefined
    }
  | {
      /** Issuers trusted besides those `resolveIssuer` finds (never `null`). Default: none. */
      issuer?: Exclude<IssuerOption, null>
      /**
       * Looks up an issuer that `issuer` does not list (e.g. a SaaS tenant in your database): returns where
       * its keys are (`jwksUri`, `keys` or `secret`: it is never discovered from its `iss`) or `undefined` to
       * refuse it. Answers are cached (`issuerCache`); calls are bounded by `issuerCache.maxResolvesPerMinute`.
       * A throw or rejection refuses the token with `keys_unavailable` (503). With it, `issuer` may be
       * omitted. `verifier.forgetIssuer(iss)` drops an answer (an off-boarded tenant).
       *
       * Security: your resolver decides which issuers are trusted; each resolved issuer's keys verify only
       * tokens whose `iss` is that issuer.
       *
       * @example
       * ```ts
       * createVerifier({
       *   audience: 'https://api.example.com',
       *   resolveIssuer: async (iss) => {
       *     const tenant = await tenants.byIssuer(iss)
       *     return tenant && { jwksUri: tenant.jwksUri }
       *   },
       * })
       * ```
       */
      resolveIssuer: IssuerResolver
    }

/**
 * Options of {@link createVerifier}: the {@link IssuerSource} (`issuer` and/or `resolveIssuer`) and the rest.
 * @example
 * ```ts
 * createVerifier({ issuer: 'https://idp.example.com/', audience: 'https://api.example.com' })
 * ```
 */
export type VerifierOptions = VerifierCommonOptions & IssuerSource

/** Options of {@link createVerifier} other than `issuer` and `resolveIssuer` ({@link IssuerSource}). */
export interface VerifierCommonOptions {
  /**
   * Required. This API's identifier; a token must list at least one of these in `aud`
   * (RFC 7519 §4.1.3). `null` explicitly skips the audience check.
   *
   * Security: without an audience check a token issued for any other API of the same issuer is accepted.
   */
  audience: string | string[] | null
  /**
   * JWK Set URL. Default: found by discovery from `issuer`, and discovered again when the metadata is older
   * than `jwks.maxCacheAge` or the JWK Set URL answers 404 or 410. `https:` only, except loopback hosts.
   */
  jwksUri?: string
  /** Static public keys, used instead of fetching a JWK Set. */
  keys?: KeyInput | KeyInput[]
  /**
   * HMAC secret. Enables HS256/384/512 and nothing else for the issuer. At least 32 bytes.
   *
   * Security: anyone who holds the secret can mint tokens; prefer asymmetric keys.
   */
  secret?: string | Uint8Array | KeyObject
  /**
   * Accepted `alg` values. Default: RS256/384/512, PS256/384/512, ES256/384/512, EdDSA
   * (HS256/384/512 instead when `secret` is given). `none` is never accepted.
   */
  algorithms?: Algorithm[]
  /** Allowed clock skew for `exp`, `nbf` and `iat`, in seconds. Default: 5. Range 0 to 300. */
  clockTolerance?: number
  /** Reject tokens whose `iat` is older than this, in seconds. Default: no limit. */
  maxTokenAge?: number
  /**
   * Claims that must be present. Default: `['exp']`. With `tokenType: 'at+jwt'` the RFC 9068 §2.2
   * claims are always required in addition.
   */
  requiredClaims?: string[]
  /**
   * `'at+jwt'` enforces RFC 9068 fully: `typ` must be `at+jwt` (or `application/at+jwt`) and `iss`,
   * `exp`, `aud`, `sub`, `client_id`, `iat` and `jti` must be present with the right types.
   * Default: `typ` may be absent, `JWT` or `at+jwt`; any other explicit type is rejected.
   */
  tokenType?: 'at+jwt'
  /**
   * Extra check after the signature and claims passed. Only a verdict of exactly `true` accepts the token;
   * anything else — `false`, `undefined`, `null`, `0`, `''`, a throw or a rejection — refuses it with
   * `claim_invalid` (401 `invalid_token`). Runs once per token (its verdict is cached with the token).
   *
   * Security: the check fails closed. A validator that only throws on bad tokens and returns nothing on
   * good ones refuses every token: end it with `return true`.
   */
  validate?: (payload: TokenPayload, header: TokenHeader) => boolean | Promise<boolean>
  /**
   * Revocation check. Return `true` to reject the token (`token_revoked`). Runs on every verification,
   * also when the token is served from the cache. With `revocation` also set, both run (the store first).
   */
  isRevoked?: (payload: TokenPayload, header: TokenHeader) => boolean | Promise<boolean>
  /**
   * A revocation store, asked on every request (cache hits included) once the signature and claims
   * passed: `createMemoryRevocationStore()`, or a store shared by a fleet. A revoked token gets
   * `token_revoked` (401 `invalid_token`); a store that throws, rejects or answers anything but a
   * boolean gets `revocation_unavailable` (503), never a pass. A store that answers synchronously keeps
   * cached tokens on the synchronous fast path. Default: none.
   *
   * While it is set, a token must carry `exp` and `iat`, and `exp − iat` must not exceed the store's
   * `maxTokenLifetime`; other tokens are refused with `claim_invalid`. Entries expire, and this is what
   * guarantees that no revoked token outlives its entry.
   *
   * Security: a memory store revokes only in its own process. Behind a load balancer, revoke in every
   * process or use a shared store; otherwise a revoked token still works on the other instances.
   *
   * @example
   * ```ts
   * const revocation = createMemoryRevocationStore()
   * const verifier = createVerifier({ issuer, audience, revocation })
   * await revocation.revoke({ jti, exp, iss }) // the jti, exp and iss of the token to revoke
   * ```
   */
  revocation?: RevocationStore
  /** Remote JWK Set fetching and caching. */
  jwks?: JwksOptions
  /** Verified-token cache. Default: on, 10 000 entries, 32 MiB. `false` turns it off. */
  cache?: TokenCacheOptions | false
  /** Current time in milliseconds since the epoch (for tests). Default: `Date.now`. */
  now?: () => number
  /**
   * Longest token accepted, in characters, checked before any decoding. Default: 8 192, or 16 384 when
   * an issuer has `decryption` keys (a nested token is about 4/3 of its signed JWT plus ~350 characters).
   */
  maxTokenLength?: number
  /**
   * Keys that decrypt encrypted access tokens (nested JWTs) of the issuer(s) named by `issuer`; with a
   * list of {@link IssuerConfig}s, set it on each. Default: none (five-segment tokens are refused).
   */
  decryption?: DecryptionOptions
  /** `realm` attribute of `WWW-Authenticate` challenges. Default: none. */
  realm?: string
  /** The cache of issuers found by templates and `resolveIssuer`: sizes and lifetimes. */
  issuerCache?: IssuerCacheOptions
  /**
   * Set by `profiles.<provider>(…)`: the provider's mandatory checks, run on every token before `validate`.
   * Do not set it yourself; spread a profile instead. See docs/providers.md.
   */
  profile?: ProviderProfile
  /**
   * Hosts that may be reached over plain `http:` for the issuer's discovery document, `jwksUri` and a
   * discovered `jwks_uri` (and any later remote endpoint, such as introspection): each entry a
   * `host` or `host:port` matched exactly against the URL's host, e.g. `['keycloak:8080']` for a
   * docker-compose Keycloak at `http://keycloak:8080`. Loopback hosts (`localhost`, `127.x.x.x`, `[::1]`)
   * are always allowed. There is no wildcard and no global switch. Default: none.
   *
   * **Warning: development only.** Keys fetched over plain `http:` can be read and replaced by anyone on
   * the network path (another container, the Wi-Fi, a proxy): whoever swaps the JWK Set can sign tokens
   * your API accepts. Never set this in production; feed it from a development-only config.
   *
   * @throws ConfigError at start-up for an entry with a scheme, path, credentials, wildcard or the default
   * port `:80`.
   * @example
   * ```ts
   * createVerifier({ issuer: 'http://keycloak:8080/realms/dev', audience: 'api', allowHttpHosts: ['keycloak:8080'] })
   * ```
   */
  allowHttpHosts?: string[]
  /**
   * Introspection (RFC 7662) for the one issuer named by `issuer`; with several issuers, set
   * `introspection` in each issuer config instead.
   */
  introspection?: IntrospectionOptions
  /**
   * With several issuers that introspect, picks the one an opaque token goes to (required then: a
   * `ConfigError` at start-up without it). See {@link IntrospectionIssuerSelector}.
   *
   * @example
   * ```ts
   * const selectIntrospectionIssuer: IntrospectionIssuerSelector = (_token, facts) =>
   *   facts?.url?.startsWith('/eu/') ? 'https://eu.idp.example.com/' : 'https://us.idp.example.com/'
   * ```
   */
  selectIntrospectionIssuer?: IntrospectionIssuerSelector
}
